"""The words of the verification pages, in Vietnamese (the default) and English.

One flat catalogue per language, keyed by dotted names: ``verdict.<Verdict>.title|lead|next``,
``check.<CheckCode>`` (or ``check.<name>.<CheckCode>`` where one code means different things
for different checks), ``error.<code>.title|text``. Both languages have the same keys; a test
keeps it so. Revocation reasons come from :data:`core.status.REASON_LABELS`.
"""

from __future__ import annotations

from verifier import disclosure_texts

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

VI: dict[str, str] = {
    "site.name": "Sổ Gốc",
    "site.tagline": "Tra cứu, xác thực văn bằng, học bạ",
    "site.switch": "English",
    "site.skip": "Bỏ qua, tới nội dung chính",
    "site.footer": "Sổ Gốc là dịch vụ công khai để bất kỳ ai kiểm tra văn bằng, học bạ do các cơ sở giáo dục "
                   "cấp. Kết quả được đối chiếu trực tiếp với chữ ký số và chuỗi khối, không dựa vào lời của "
                   "trang này.",
    "site.privacy": "Trang không dùng cookie, không theo dõi người xem, không lưu tệp bạn tải lên.",
    "site.api": "Giao diện lập trình (API)",
    "site.home": "Tra cứu văn bản khác",

    "home.title": "Tra cứu, xác thực văn bằng, học bạ",
    "home.intro": "Văn bằng, học bạ được cấp qua Sổ Gốc mang chữ ký số của nhà trường và được ghi nhận trên "
                  "chuỗi khối. Tại đây bạn kiểm tra được văn bản có phải do nhà trường cấp, còn nguyên vẹn "
                  "và còn hiệu lực hay không.",
    "home.id.title": "Tra cứu bằng mã xác thực",
    "home.id.help": "Mã xác thực gồm 26 chữ và số, in cạnh mã QR trên văn bản (ví dụ mfrg-gzdf-mztw-q2lk-nnwg-23t-poa). "
                    "Gõ chữ hoa hay chữ thường, có hay không có dấu gạch đều được. Quét mã QR sẽ mở thẳng trang "
                    "kết quả.",
    "home.id.label": "Mã xác thực",
    "home.id.submit": "Tra cứu",
    "home.file.title": "Kiểm tra tệp PDF",
    "home.file.help": "Chọn tệp PDF nhà trường đã gửi (tối đa {limit} MB). Tệp chỉ được kiểm tra, không được lưu lại.",
    "home.file.label": "Tệp PDF",
    "home.file.submit": "Kiểm tra tệp",
    "home.how.title": "Kiểm tra những gì?",
    "home.how.1": "Chữ ký số: tệp còn nguyên vẹn, người ký được tin cậy và được đăng ký cho nhà trường.",
    "home.how.2": "Chuỗi khối: văn bản nằm trong một lô nhà trường đã công bố, không ai sửa được về sau.",
    "home.how.3": "Hiệu lực: văn bản chưa bị thu hồi hay thay bằng bản đính chính.",

    "verdict.valid.title": "Văn bản hợp lệ",
    "verdict.valid.lead": "Văn bản do nhà trường ký số, còn nguyên vẹn, đã được ghi nhận trên chuỗi khối và "
                          "chưa bị thu hồi.",
    "verdict.valid.next": "Đối chiếu họ tên, ngày sinh với giấy tờ tùy thân của người xuất trình. Nếu bạn đang "
                          "cầm bản in, hãy so từng thông tin với trang này: khác biệt nào cũng có nghĩa bản in "
                          "đã bị sửa.",
    "verdict.revoked.title": "Văn bản đã bị thu hồi",
    "verdict.revoked.lead": "Văn bản này đã bị thu hồi theo quyết định của cơ quan có thẩm quyền và "
                            "không còn giá trị.",
    "verdict.cancelled.title": "Văn bản đã bị hủy bỏ",
    "verdict.cancelled.lead": "Văn bản này đã bị hủy bỏ theo quyết định của cơ quan có thẩm quyền: "
                              "không có giá trị ngay từ khi cấp.",
    "verdict.cancelled.next": "Không chấp nhận văn bản này. Lý do và quyết định hủy bỏ ở bên dưới; liên hệ cơ "
                              "quan đã cấp nếu cần thêm thông tin.",
    "verdict.revoked.next": "Không chấp nhận văn bản này. Lý do và quyết định thu hồi ở bên dưới; liên hệ nhà "
                            "trường đã cấp nếu cần thêm thông tin.",
    "verdict.superseded.title": "Đã được đính chính — xem bản hiện hành",
    "verdict.superseded.lead": "Văn bản này đã được thay bằng một bản đính chính; nội dung dưới đây không còn là "
                               "bản hiện hành.",
    "verdict.superseded.next": "Đề nghị người xuất trình cung cấp bản hiện hành (có mã QR mới), hoặc liên hệ nhà "
                               "trường đã cấp.",
    "verdict.tampered.title": "Văn bản đã bị sửa đổi",
    "verdict.tampered.lead": "Tệp không khớp với chữ ký số của nhà trường: nội dung đã bị thay đổi sau khi ký.",
    "verdict.tampered.next": "Không sử dụng tệp này. Đề nghị người xuất trình gửi lại tệp gốc, hoặc liên hệ nhà "
                             "trường để xác minh.",
    "verdict.not_anchored.title": "Chưa được ghi nhận trên chuỗi khối",
    "verdict.not_anchored.lead": "Không tìm thấy bằng chứng nhà trường đã công bố đúng tệp này trên chuỗi khối.",
    "verdict.not_anchored.next": "Nếu văn bản vừa được cấp, hãy thử lại sau vài giờ. Nếu vẫn vậy, chưa nên chấp "
                                 "nhận văn bản; liên hệ nhà trường đã cấp.",
    "verdict.untrusted_signer.title": "Người ký không được tin cậy",
    "verdict.untrusted_signer.lead": "Chữ ký số không thuộc một người ký được đăng ký cho nhà trường này.",
    "verdict.untrusted_signer.next": "Không chấp nhận văn bản cho đến khi nhà trường xác nhận trực tiếp.",
    "verdict.unknown.title": "Không tìm thấy văn bản",
    "verdict.unknown.lead": "Không có văn bản nào của Sổ Gốc khớp với nội dung bạn đưa ra.",
    "verdict.unknown.next": "Kiểm tra lại mã văn bản hoặc tệp PDF. Văn bản không được cấp qua Sổ Gốc thì không "
                            "kiểm tra được tại đây; hãy liên hệ nhà trường đã cấp.",

    "result.title": "Kết quả tra cứu",
    "result.document_id": "Mã xác thực",
    "result.checked_at": "Tra cứu lúc",
    "result.uploaded": "Kết quả kiểm tra tệp bạn tải lên.",
    "result.next": "Nên làm gì",

    "doc.title": "Nội dung văn bản",
    "doc.kind": "Loại văn bản",
    "doc.school": "Trường",
    "doc.authority": "Cơ quan quản lý",
    "doc.student": "Học sinh",
    "doc.date_of_birth": "Ngày sinh",
    "doc.gender": "Giới tính",
    "doc.class_name": "Lớp",
    "doc.school_year": "Năm học",
    "doc.issued_on": "Ngày cấp",
    "doc.subjects": "Kết quả các môn học",
    "doc.subject": "Môn học",
    "doc.term1": "Học kì I",
    "doc.term2": "Học kì II",
    "doc.year": "Cả năm",
    "doc.learning_result": "Kết quả học tập",
    "doc.conduct": "Kết quả rèn luyện",
    "doc.promotion": "Kết quả cuối năm",
    "doc.days_absent": "Số ngày nghỉ",
    "doc.school_years": "Các năm học",
    "doc.classes": "Các lớp",
    "doc.year_heading": "Năm học {year} · Lớp {class_name}",
    "doc.homeroom_teacher": "Giáo viên chủ nhiệm",
    "doc.privacy": "Số định danh cá nhân và nơi sinh không hiển thị công khai.",
    "doc.unverified": "Nội dung dưới đây được đọc từ tệp nhưng không được xác thực: đừng dựa vào nó.",

    "kind.transcript": "Học bạ",
    "kind.diploma": "Văn bằng",
    "kind.exam_record": "Kết quả thi",
    "kind.certified_copy": "Bản sao từ sổ gốc",

    "sig.title": "Chữ ký số",
    "sig.none": "Tệp không có chữ ký số.",
    "sig.organization": "Đơn vị",
    "sig.time": "Thời điểm ký",
    "sig.intact": "Nguyên vẹn",
    "sig.not_intact": "Đã bị sửa",
    "sig.trusted": "Được tin cậy",
    "sig.trust_root": "Chứng thư gốc tin cậy",
    "sig.not_trusted": "Không được tin cậy",
    "sig.timestamped": "Có dấu thời gian",
    "sig.rev_checked": "Đã kiểm tra: chứng thư chưa bị thu hồi",
    "sig.rev_revoked": "Chứng thư đã bị thu hồi",
    "sig.rev_not_checked": "Chưa kiểm tra thu hồi chứng thư (tài liệu không kèm đủ dữ liệu để kiểm tra)",
    "sig.registered": "Đã đăng ký cho trường trên chuỗi khối",
    "sig.not_registered": "Chưa đăng ký cho trường trên chuỗi khối",

    "rev.title": "Quyết định thu hồi",
    "rev.title_cancelled": "Quyết định hủy bỏ",
    "hist.title": "Lịch sử văn bằng (sổ gốc)",
    "hist.current": "Bản hiện hành",
    "hist.none_current": "Không còn bản nào có hiệu lực.",
    "hist.this": "văn bản đang xem",
    "hist.entry": "Sổ {year}, số {number}",
    "hist.kind.original": "Cấp mới",
    "hist.kind.legacy": "Văn bằng giấy vào sổ gốc",
    "hist.kind.correction": "Bản chỉnh sửa",
    "hist.kind.reissue": "Cấp lại",
    "hist.kind.copy": "Bản sao từ sổ gốc",
    "hist.state.in_force": "Có hiệu lực",
    "hist.state.superseded": "Đã được thay thế",
    "hist.state.revoked": "Đã thu hồi",
    "hist.state.cancelled": "Đã hủy bỏ",
    "hist.state.not_anchored": "Chưa xác nhận trên chuỗi khối",
    "rev.reason": "Lý do",
    "rev.decision": "Quyết định",
    "rev.decision_hash": "Mã băm của quyết định",
    "rev.time": "Thời điểm thu hồi",
    "rev.unknown_reason": "Lý do số {reason}",

    "sup.title": "Bản đính chính",
    "sup.time": "Thời điểm đính chính",
    "sup.replacement": "Bản hiện hành",
    "sup.open": "Mở bản hiện hành",
    "sup.leaf": "Lá (leaf) của bản hiện hành",

    "checks.title": "Các bước kiểm tra",
    "status.passed": "Đạt",
    "status.failed": "Không đạt",
    "status.skipped": "Bỏ qua",

    "checkname.credential": "Dữ liệu văn bản",
    "checkname.signature": "Chữ ký số",
    "checkname.signer_registered": "Đăng ký người ký",
    "checkname.anchor": "Ghi nhận trên chuỗi khối",
    "checkname.status": "Hiệu lực",

    "check.skipped": "Chưa kiểm tra vì bước trước không đạt.",
    "check.credential_found": "Tệp mang dữ liệu Sổ Gốc của văn bản.",
    "check.no_credential": "Tệp không mang dữ liệu Sổ Gốc: văn bản không được cấp qua hệ thống này.",
    "check.bad_credential": "Dữ liệu Sổ Gốc trong tệp bị hỏng hoặc đã bị sửa.",
    "check.unsupported_format": "Dữ liệu Sổ Gốc trong tệp thuộc một phiên bản định dạng mà trang này không đọc.",
    "check.signature_valid": "Chữ ký hợp lệ: tệp nguyên vẹn, người ký được tin cậy.",
    "check.signer_registered.signature_valid": "Chứng thư số của người ký đã được đăng ký cho nhà trường trên "
                                               "chuỗi khối.",
    "check.unsigned": "Tệp không có chữ ký số.",
    "check.signature_broken": "Chữ ký không khớp với tệp: tệp đã bị sửa.",
    "check.modified_after_signing": "Tệp đã bị thay đổi sau khi ký.",
    "check.signer_untrusted": "Chứng thư số của người ký không dẫn tới một tổ chức chứng thực được tin cậy.",
    "check.signer_not_registered": "Chứng thư số của người ký không được đăng ký cho nhà trường trên chuỗi khối.",
    "check.signed_after_anchoring": "Chữ ký mang thời điểm sau khi văn bản đã được ghi nhận: tệp không phải bản đã cấp.",
    "check.issuer_mismatch": "Văn bản ghi tên một trường khác với cơ sở đã cấp và ghi nhận nó.",
    "check.anchored": "Văn bản đã được ghi nhận trên chuỗi khối.",
    "check.no_evidence": "Không có bằng chứng ghi nhận nào cho văn bản này.",
    "check.not_yet_anchored": "Văn bản đang chờ được ghi nhận lên chuỗi khối.",
    "check.proof_mismatch": "Tệp này không nằm trong lô đã ghi nhận: đây không phải tệp nhà trường đã cấp.",
    "check.root_not_on_chain": "Gốc Merkle của lô không có trên chuỗi khối.",
    "check.anchored_by_other_issuer": "Lô được ghi nhận bởi một cơ sở khác, không phải nơi cấp văn bản.",
    "check.in_force": "Văn bản chưa bị thu hồi hay thay thế.",
    "check.revoked": "Văn bản đã bị thu hồi.",
    "check.cancelled": "Văn bản đã bị hủy bỏ.",
    "check.superseded": "Văn bản đã được thay bằng bản đính chính.",

    "acc.title": "Cơ sở cấp và chuỗi công nhận",
    "acc.intro": "Ai đã đăng ký ai trên chuỗi khối: Bộ đăng ký Sở, Sở đăng ký trường. Hiệu lực được xét tại thời "
                 "điểm văn bản được ghi nhận.",
    "acc.ministry": "Bộ (gốc tin cậy)",
    "acc.authority": "Cơ quan quản lý",
    "acc.issuer": "Cơ sở cấp",
    "acc.unregistered": "Không có trong sổ đăng ký trên chuỗi",
    "acc.ministry.default": "Bộ Giáo dục và Đào tạo",
    "acc.unnamed": "(chưa có tên trong sổ đăng ký)",
    "acc.valid": "Có hiệu lực khi cấp",
    "acc.invalid": "Không có hiệu lực khi cấp",
    "acc.root": "Chủ hợp đồng: gốc của chuỗi công nhận",
    "acc.period": "Thời hạn: {start} – {end}",
    "acc.open_ended": "không thời hạn",
    "acc.suspended_now": "Hiện đang bị đình chỉ (không ảnh hưởng văn bản đã cấp trước đó)",
    "acc.account": "Tài khoản trên chuỗi",
    "acc.names": "Tên lấy từ sổ đăng ký của Sổ Gốc, đối chiếu với mã định danh trên chuỗi khối.",

    "ev.title": "Bằng chứng trên chuỗi khối",
    "ev.tx_hash": "Giao dịch",
    "ev.block": "Khối",
    "ev.time": "Thời điểm ghi nhận",
    "ev.chain_id": "Mã chuỗi (chain id)",
    "ev.contract": "Hợp đồng",
    "ev.root": "Gốc Merkle",
    "ev.leaf": "Lá (leaf)",
    "ev.proof": "Bằng chứng Merkle ({n} phần tử)",
    "ev.proof_empty": "Không cần: văn bản là lá duy nhất của lô.",
    "ev.none": "Chưa có bằng chứng ghi nhận cho văn bản này.",
    "ev.howto.title": "Tự kiểm tra, không cần tin trang này",
    "ev.howto.intro": "Bất kỳ ai cũng kiểm tra lại được với một nút (node) bất kỳ của chuỗi khối:",
    "ev.howto.1": "Tính lại lá từ tệp PDF: lá = keccak256(keccak256(d ‖ f)), với d là mã băm SHA-256 của dữ liệu "
                  "văn bản nhúng trong tệp và f là mã băm SHA-256 của chính tệp.",
    "ev.howto.2": "Lần lượt ghép lá với từng phần tử của bằng chứng (mỗi cặp sắp xếp tăng dần, băm keccak256) "
                  "để được gốc Merkle; gốc phải trùng với gốc ở trên.",
    "ev.howto.3": "Gọi hàm chỉ đọc credentialStatus(gốc, lá) của hợp đồng {contract} trên chuỗi có mã {chain_id} "
                  "(không tốn phí, không cần tài khoản): kết quả cho biết lô được ghi nhận ở khối nào, bởi cơ sở "
                  "nào, và văn bản có bị thu hồi hay đính chính không.",
    "ev.howto.cast": "Ví dụ, với công cụ cast của Foundry và địa chỉ một nút bất kỳ:",
    "ev.howto.cli": "Công cụ dòng lệnh của Sổ Gốc làm tất cả các bước trên với tệp PDF, chỉ cần một nút của chuỗi:",
    "ev.howto.node": "<địa-chỉ-nút>",
    "ev.howto.file": "hoc-ba.pdf",

    "error.title": "Không thực hiện được yêu cầu",
    "error.code": "Mã lỗi",
    "error.back": "Về trang tra cứu",
    "error.unknown_document.title": "Không tìm thấy văn bản",
    "error.unknown_document.text": "Không có kết quả cho đường dẫn này. Hãy kiểm tra lại mã xác thực (26 ký tự) "
                                   "hoặc quét lại mã QR trên văn bản. Nếu vẫn không được, liên hệ nhà trường "
                                   "đã cấp.",
    "error.not_a_pdf.title": "Tệp không phải PDF",
    "error.not_a_pdf.text": "Hãy chọn đúng tệp PDF nhà trường đã gửi (tên tệp thường kết thúc bằng .pdf). "
                            "Ảnh chụp hay bản quét không kiểm tra được.",
    "error.broken_pdf.title": "Tệp PDF bị hỏng",
    "error.broken_pdf.text": "Tệp có dạng PDF nhưng không đọc được, thường do tải về chưa trọn. Hãy tải lại tệp "
                             "gốc nhà trường đã gửi rồi thử lại.",
    "error.no_file.title": "Chưa chọn tệp",
    "error.no_file.text": "Hãy chọn một tệp PDF rồi bấm “Kiểm tra tệp”.",
    "error.too_large.title": "Tệp quá lớn",
    "error.too_large.text": "Tệp vượt quá {limit} MB. Văn bằng, học bạ do Sổ Gốc cấp nhỏ hơn nhiều; có thể đây "
                            "không phải tệp gốc.",
    "error.chain_error.title": "Tạm thời không kiểm tra được",
    "error.chain_error.text": "Không kết nối được với chuỗi khối để đối chiếu. Văn bản không bị coi là sai; hãy "
                              "thử lại sau ít phút.",
    "error.evidence_unavailable.title": "Tạm thời không kiểm tra được",
    "error.evidence_unavailable.text": "Không lấy được bằng chứng của văn bản. Hãy thử lại sau ít phút.",
    "error.rate_limited.title": "Bạn tra cứu quá nhanh",
    "error.rate_limited.text": "Để bảo vệ dữ liệu của học sinh, mỗi máy chỉ được tra cứu một số lần trong một "
                               "phút. Hãy đợi khoảng {seconds} giây rồi thử lại.",
    "error.not_found.title": "Không có trang này",
    "error.not_found.text": "Địa chỉ bạn mở không tồn tại. Hãy quét lại mã QR trên văn bản hoặc nhập mã xác "
                            "thực ở trang tra cứu.",
    "error.method_not_allowed.title": "Yêu cầu không hợp lệ",
    "error.method_not_allowed.text": "Trang này không nhận kiểu yêu cầu đó. Hãy quay lại trang tra cứu.",
    "error.invalid_request.title": "Yêu cầu không hợp lệ",
    "error.invalid_request.text": "Thông tin gửi lên không đúng dạng. Hãy quay lại trang tra cứu và thử lại.",
    "error.unsupported_media_type.title": "Tệp không phải PDF",
    "error.unsupported_media_type.text": "Hãy gửi tệp PDF qua mẫu “Kiểm tra tệp PDF” ở trang tra cứu.",
    "error.bad_upload.title": "Tệp gửi lên bị lỗi",
    "error.bad_upload.text": "Tệp không được gửi trọn vẹn. Hãy chọn lại tệp PDF và thử lại.",
    "error.internal_error.title": "Đã có lỗi ở máy chủ",
    "error.internal_error.text": "Không phải lỗi của bạn hay của văn bản. Hãy thử lại sau ít phút.",
    "error.generic.text": "Đã có lỗi khi kiểm tra. Hãy thử lại; nếu lỗi lặp lại, báo cho chúng tôi kèm mã lỗi "
                          "dưới đây.",
}

EN: dict[str, str] = {
    "site.name": "Sổ Gốc",
    "site.tagline": "Look up and verify diplomas and school transcripts",
    "site.switch": "Tiếng Việt",
    "site.skip": "Skip to main content",
    "site.footer": "Sổ Gốc is a public service that lets anyone check diplomas and transcripts issued by schools. "
                   "Results are checked directly against digital signatures and the blockchain, not taken on this "
                   "site's word.",
    "site.privacy": "No cookies, no tracking, and uploaded files are not kept.",
    "site.api": "Programming interface (API)",
    "site.home": "Check another document",

    "home.title": "Look up and verify diplomas and school transcripts",
    "home.intro": "Diplomas and transcripts issued through Sổ Gốc carry the school's digital signature and are "
                  "recorded on a blockchain. Here you can check that a document was issued by the school, is "
                  "intact, and is still in force.",
    "home.id.title": "Look up by verification code",
    "home.id.help": "The 26-character verification code printed beside the QR code (for example "
                    "mfrg-gzdf-mztw-q2lk-nnwg-23t-poa), in upper or lower case, with or without the dashes. "
                    "Scanning the QR code opens the result page directly.",
    "home.id.label": "Verification code",
    "home.id.submit": "Look up",
    "home.file.title": "Check a PDF file",
    "home.file.help": "Choose the PDF file the school sent (at most {limit} MB). It is only checked, never stored.",
    "home.file.label": "PDF file",
    "home.file.submit": "Check file",
    "home.how.title": "What is checked?",
    "home.how.1": "Digital signature: the file is intact, and the signer is trusted and registered for the school.",
    "home.how.2": "Blockchain: the document is in a batch the school published, which nobody can change later.",
    "home.how.3": "Status: the document has not been revoked or replaced by a correction.",

    "verdict.valid.title": "Valid document",
    "verdict.valid.lead": "Digitally signed by the school, intact, recorded on the blockchain and not revoked.",
    "verdict.valid.next": "Compare the name and date of birth with the holder's identity document. If you hold a "
                          "printed copy, compare it with this page item by item: any difference means the print "
                          "was altered.",
    "verdict.revoked.title": "This document has been revoked",
    "verdict.revoked.lead": "This document was revoked (withdrawn) by a decision of the competent authority and "
                            "is no longer valid.",
    "verdict.cancelled.title": "This document has been cancelled",
    "verdict.cancelled.lead": "This document was cancelled by a decision of the competent authority: it is void "
                              "from the day it was issued.",
    "verdict.cancelled.next": "Do not accept it. The reason and the decision are shown below; contact the issuing "
                              "authority for more information.",
    "verdict.revoked.next": "Do not accept it. The reason and the decision are shown below; contact the issuing "
                            "school for more information.",
    "verdict.superseded.title": "Corrected — see the current version",
    "verdict.superseded.lead": "This document was replaced by a corrected version; what is shown below is no "
                               "longer current.",
    "verdict.superseded.next": "Ask the holder for the current version (with a new QR code), or contact the "
                               "issuing school.",
    "verdict.tampered.title": "The document has been altered",
    "verdict.tampered.lead": "The file does not match the school's digital signature: it was changed after "
                             "signing.",
    "verdict.tampered.next": "Do not use this file. Ask the holder for the original file, or contact the school "
                             "to confirm.",
    "verdict.not_anchored.title": "Not recorded on the blockchain",
    "verdict.not_anchored.lead": "There is no evidence that the school published this exact file on the "
                                 "blockchain.",
    "verdict.not_anchored.next": "If it was issued very recently, try again in a few hours. Otherwise do not "
                                 "accept it yet; contact the issuing school.",
    "verdict.untrusted_signer.title": "The signer is not trusted",
    "verdict.untrusted_signer.lead": "The digital signature does not belong to a signer registered for this "
                                     "school.",
    "verdict.untrusted_signer.next": "Do not accept the document until the school confirms it directly.",
    "verdict.unknown.title": "Document not found",
    "verdict.unknown.lead": "No Sổ Gốc document matches what you provided.",
    "verdict.unknown.next": "Check the document code or the PDF file again. Documents not issued through Sổ Gốc "
                            "cannot be checked here; contact the issuing school.",

    "result.title": "Verification result",
    "result.document_id": "Verification code",
    "result.checked_at": "Checked at",
    "result.uploaded": "Result for the file you uploaded.",
    "result.next": "What to do",

    "doc.title": "The document",
    "doc.kind": "Kind of document",
    "doc.school": "School",
    "doc.authority": "Supervising authority",
    "doc.student": "Student",
    "doc.date_of_birth": "Date of birth",
    "doc.gender": "Gender",
    "doc.class_name": "Class",
    "doc.school_year": "School year",
    "doc.issued_on": "Issued on",
    "doc.subjects": "Results by subject",
    "doc.subject": "Subject",
    "doc.term1": "Term 1",
    "doc.term2": "Term 2",
    "doc.year": "Year",
    "doc.learning_result": "Learning result",
    "doc.conduct": "Conduct",
    "doc.promotion": "End-of-year result",
    "doc.days_absent": "Days absent",
    "doc.school_years": "School years",
    "doc.classes": "Classes",
    "doc.year_heading": "School year {year} · Class {class_name}",
    "doc.homeroom_teacher": "Homeroom teacher",
    "doc.privacy": "The personal identification number and place of birth are not shown publicly.",
    "doc.unverified": "The content below was read from the file but is not verified: do not rely on it.",

    "kind.transcript": "School transcript (học bạ)",
    "kind.diploma": "Diploma (văn bằng)",
    "kind.exam_record": "Exam record",
    "kind.certified_copy": "Certified copy from the master register",

    "sig.title": "Digital signatures",
    "sig.none": "The file has no digital signature.",
    "sig.organization": "Organisation",
    "sig.time": "Signed at",
    "sig.intact": "Intact",
    "sig.not_intact": "Altered",
    "sig.trusted": "Trusted",
    "sig.trust_root": "Trusted root certificate",
    "sig.not_trusted": "Not trusted",
    "sig.timestamped": "Timestamped",
    "sig.rev_checked": "Checked: certificate not revoked",
    "sig.rev_revoked": "Certificate revoked",
    "sig.rev_not_checked": "Certificate revocation not checked (the document does not carry enough data to check it)",
    "sig.registered": "Registered for the school on the blockchain",
    "sig.not_registered": "Not registered for the school on the blockchain",

    "rev.title": "Revocation decision",
    "rev.title_cancelled": "Cancellation decision",
    "hist.title": "History of the diploma (master register)",
    "hist.current": "Current version",
    "hist.none_current": "No version is in force any more.",
    "hist.this": "the document shown",
    "hist.entry": "Register {year}, entry {number}",
    "hist.kind.original": "Issued",
    "hist.kind.legacy": "Paper diploma entered in the register",
    "hist.kind.correction": "Corrected version",
    "hist.kind.reissue": "Re-issued",
    "hist.kind.copy": "Certified copy from the register",
    "hist.state.in_force": "In force",
    "hist.state.superseded": "Replaced",
    "hist.state.revoked": "Revoked",
    "hist.state.cancelled": "Cancelled",
    "hist.state.not_anchored": "Not confirmed on the blockchain",
    "rev.reason": "Reason",
    "rev.decision": "Decision",
    "rev.decision_hash": "Hash of the decision",
    "rev.time": "Revoked at",
    "rev.unknown_reason": "Reason number {reason}",

    "sup.title": "Correction",
    "sup.time": "Corrected at",
    "sup.replacement": "Current version",
    "sup.open": "Open the current version",
    "sup.leaf": "Leaf of the current version",

    "checks.title": "Checks performed",
    "status.passed": "Passed",
    "status.failed": "Failed",
    "status.skipped": "Skipped",

    "checkname.credential": "Document data",
    "checkname.signature": "Digital signature",
    "checkname.signer_registered": "Signer registration",
    "checkname.anchor": "Blockchain record",
    "checkname.status": "Status",

    "check.skipped": "Not checked: an earlier step failed.",
    "check.credential_found": "The file carries the document's Sổ Gốc data.",
    "check.no_credential": "The file carries no Sổ Gốc data: it was not issued through this registry.",
    "check.bad_credential": "The Sổ Gốc data in the file is damaged or was altered.",
    "check.unsupported_format": "The Sổ Gốc data in the file is in a format version this site does not read.",
    "check.signature_valid": "Valid signature: the file is intact and the signer trusted.",
    "check.signer_registered.signature_valid": "The signer's certificate is registered for the school on the "
                                               "blockchain.",
    "check.unsigned": "The file has no digital signature.",
    "check.signature_broken": "The signature does not match the file: the file was altered.",
    "check.modified_after_signing": "The file was changed after it was signed.",
    "check.signer_untrusted": "The signer's certificate does not lead to a trusted certification authority.",
    "check.signer_not_registered": "The signer's certificate is not registered for the school on the blockchain.",
    "check.signed_after_anchoring": "A signature is time-stamped after the document was recorded: this is not the file that was issued.",
    "check.issuer_mismatch": "The document names another school than the institution that issued and recorded it.",
    "check.anchored": "The document is recorded on the blockchain.",
    "check.no_evidence": "No anchoring evidence is known for this document.",
    "check.not_yet_anchored": "The document is waiting to be recorded on the blockchain.",
    "check.proof_mismatch": "This file is not in the recorded batch: it is not the file the school issued.",
    "check.root_not_on_chain": "The batch's Merkle root is not on the blockchain.",
    "check.anchored_by_other_issuer": "The batch was recorded by another institution than the issuer.",
    "check.in_force": "The document has not been revoked or replaced.",
    "check.revoked": "The document has been revoked.",
    "check.cancelled": "The document has been cancelled.",
    "check.superseded": "The document was replaced by a corrected version.",

    "acc.title": "Issuer and accreditation chain",
    "acc.intro": "Who registered whom on the blockchain: the Ministry registers the department, the department "
                 "registers the school. Validity is judged at the time the document was recorded.",
    "acc.ministry": "Ministry (root of trust)",
    "acc.authority": "Supervising authority",
    "acc.issuer": "Issuing institution",
    "acc.unregistered": "Not registered on chain",
    "acc.ministry.default": "Ministry of Education and Training",
    "acc.unnamed": "(no name in the registry)",
    "acc.valid": "In force at issue",
    "acc.invalid": "Not in force at issue",
    "acc.root": "Owner of the contract: root of the accreditation chain",
    "acc.period": "Period: {start} – {end}",
    "acc.open_ended": "open-ended",
    "acc.suspended_now": "Suspended now (documents issued before stay valid)",
    "acc.account": "Account on chain",
    "acc.names": "Names come from the Sổ Gốc registry, matched to the identifiers on the blockchain.",

    "ev.title": "Evidence on the blockchain",
    "ev.tx_hash": "Transaction",
    "ev.block": "Block",
    "ev.time": "Recorded at",
    "ev.chain_id": "Chain id",
    "ev.contract": "Contract",
    "ev.root": "Merkle root",
    "ev.leaf": "Leaf",
    "ev.proof": "Merkle proof ({n} items)",
    "ev.proof_empty": "None needed: the document is the only leaf of its batch.",
    "ev.none": "There is no anchoring evidence for this document yet.",
    "ev.howto.title": "Check it yourself — no need to trust this page",
    "ev.howto.intro": "Anyone can re-check this against any node of the blockchain:",
    "ev.howto.1": "Recompute the leaf from the PDF file: leaf = keccak256(keccak256(d ‖ f)), where d is the "
                  "SHA-256 hash of the document data embedded in it and f the SHA-256 hash of the file itself.",
    "ev.howto.2": "Fold the leaf with each item of the proof in turn (each pair sorted, hashed with keccak256) "
                  "to get the Merkle root; it must equal the root above.",
    "ev.howto.3": "Call the read-only function credentialStatus(root, leaf) of contract {contract} on chain id "
                  "{chain_id} (no fee, no account needed): it tells in which block and by which institution the "
                  "batch was recorded, and whether the document was revoked or corrected.",
    "ev.howto.cast": "For example, with Foundry's cast and the address of any node:",
    "ev.howto.cli": "Sổ Gốc's command-line tool does all of the above with the PDF file, given any node of the "
                    "chain:",
    "ev.howto.node": "<node-url>",
    "ev.howto.file": "transcript.pdf",

    "error.title": "The request could not be completed",
    "error.code": "Error code",
    "error.back": "Back to the look-up page",
    "error.unknown_document.title": "Document not found",
    "error.unknown_document.text": "There is no result for this address. Check the verification code (26 characters) "
                                   "or scan the QR code on the document again. If it still fails, contact the "
                                   "issuing school.",
    "error.not_a_pdf.title": "This is not a PDF file",
    "error.not_a_pdf.text": "Choose the PDF file the school sent (its name usually ends in .pdf). Photos and scans "
                            "cannot be checked.",
    "error.broken_pdf.title": "The PDF file is damaged",
    "error.broken_pdf.text": "The file looks like a PDF but cannot be read, often because a download did not "
                             "finish. Download the original file the school sent again and retry.",
    "error.no_file.title": "No file chosen",
    "error.no_file.text": "Choose a PDF file, then press “Check file”.",
    "error.too_large.title": "The file is too large",
    "error.too_large.text": "The file exceeds {limit} MB. Documents issued by Sổ Gốc are much smaller; this may "
                            "not be the original file.",
    "error.chain_error.title": "Cannot check right now",
    "error.chain_error.text": "The blockchain could not be reached. This says nothing against the document; "
                              "please try again in a few minutes.",
    "error.evidence_unavailable.title": "Cannot check right now",
    "error.evidence_unavailable.text": "The document's evidence could not be fetched. Please try again in a few "
                                       "minutes.",
    "error.rate_limited.title": "Too many look-ups",
    "error.rate_limited.text": "To protect students' data, each device may look up only a few documents a "
                               "minute. Please wait about {seconds} seconds and try again.",
    "error.not_found.title": "No such page",
    "error.not_found.text": "This address does not exist. Scan the QR code on the document again, or type the "
                            "verification code on the look-up page.",
    "error.method_not_allowed.title": "Invalid request",
    "error.method_not_allowed.text": "This page does not accept that kind of request. Go back to the look-up page.",
    "error.invalid_request.title": "Invalid request",
    "error.invalid_request.text": "What was sent is not in the expected form. Go back to the look-up page and try "
                                  "again.",
    "error.unsupported_media_type.title": "This is not a PDF file",
    "error.unsupported_media_type.text": "Send the PDF file with the “Check a PDF file” form on the look-up page.",
    "error.bad_upload.title": "The upload was broken",
    "error.bad_upload.text": "The file did not arrive whole. Choose the PDF file again and retry.",
    "error.internal_error.title": "The server failed",
    "error.internal_error.text": "This is neither your fault nor the document's. Please try again in a few "
                                 "minutes.",
    "error.generic.text": "Something went wrong during the check. Please try again; if it keeps failing, report "
                          "it with the error code below.",
}

# The camera scan page (/scan) and its link on the home page, kept in one block.
VI.update({
    "home.scan.link": "Quét mã QR bằng camera",
    "scan.title": "Quét mã QR bằng camera",
    "scan.intro": "Hướng camera của điện thoại vào mã QR in trên văn bằng hoặc học bạ. Khi đọc được mã, "
                  "trang kết quả tự mở ra.",
    "scan.video": "Hình ảnh từ camera",
    "scan.starting": "Đang bật camera…",
    "scan.looking": "Đang tìm mã QR… Để cả mã nằm trong khung, giữ máy cách giấy khoảng 15–25 cm, đủ sáng.",
    "scan.found": "Đã đọc được mã. Đang mở kết quả…",
    "scan.foreign.title": "Đây không phải mã QR của Sổ Gốc",
    "scan.foreign.text": "Mã vừa đọc không dẫn tới trang xác thực này nên không dùng để kiểm tra văn bản được. "
                         "Nội dung đọc được:",
    "scan.privacy": "Hình ảnh từ camera chỉ được xử lý ngay trên máy của bạn, không gửi đi đâu.",
    "scan.retry": "Thử lại",
    "scan.problem.denied.title": "Chưa được phép dùng camera",
    "scan.problem.denied.text": "Hãy cho phép trang này dùng camera trong cài đặt của trình duyệt rồi bấm "
                                "“Thử lại”, hoặc nhập mã văn bản ở dưới.",
    "scan.problem.nocamera.title": "Không tìm thấy camera",
    "scan.problem.nocamera.text": "Thiết bị này không có camera dùng được. Hãy nhập mã văn bản in dưới mã QR.",
    "scan.problem.busy.title": "Camera đang bận",
    "scan.problem.busy.text": "Một ứng dụng khác đang dùng camera. Hãy đóng ứng dụng đó rồi bấm “Thử lại”, "
                              "hoặc nhập mã văn bản ở dưới.",
    "scan.problem.insecure.title": "Cần kết nối bảo mật để dùng camera",
    "scan.problem.insecure.text": "Trình duyệt chỉ cho dùng camera trên trang mở bằng https. Hãy nhập mã văn "
                                  "bản ở dưới, hoặc quét mã QR bằng ứng dụng camera của điện thoại.",
    "scan.problem.unsupported.title": "Trình duyệt này không quét được mã",
    "scan.problem.unsupported.text": "Hãy quét mã QR bằng ứng dụng camera của điện thoại, hoặc nhập mã văn bản "
                                     "ở dưới.",
    "scan.problem.failed.title": "Không bật được camera",
    "scan.problem.failed.text": "Đã có lỗi khi bật camera. Hãy bấm “Thử lại”, hoặc nhập mã văn bản ở dưới.",
    "scan.nojs.title": "Cần bật JavaScript để quét bằng camera",
    "scan.nojs.text": "JavaScript đang tắt trên trình duyệt này. Bạn vẫn tra cứu được: nhập mã văn bản ở dưới, "
                      "hoặc quét mã QR bằng ứng dụng camera của điện thoại.",
    "scan.type.title": "Hoặc nhập mã xác thực",
    "scan.type.label": "Mã xác thực",
    "scan.type.help": "Mã gồm 26 ký tự, in cạnh mã QR. Viết hoa, viết thường, có dấu cách hay dấu gạch đều được.",
    "scan.type.submit": "Tra cứu",
})
EN.update({
    "home.scan.link": "Scan a QR code with the camera",
    "scan.title": "Scan a QR code with the camera",
    "scan.intro": "Point your phone's camera at the QR code printed on the diploma or transcript. As soon as "
                  "the code is read, the result page opens.",
    "scan.video": "Camera picture",
    "scan.starting": "Starting the camera…",
    "scan.looking": "Looking for a QR code… Keep the whole code inside the frame, about 15–25 cm from the "
                    "paper, in good light.",
    "scan.found": "Code read. Opening the result…",
    "scan.foreign.title": "This is not a Sổ Gốc QR code",
    "scan.foreign.text": "The code just read does not lead to this verification service, so it cannot be used "
                         "to check a document. What it says:",
    "scan.privacy": "The camera picture is processed on your device only and is never sent anywhere.",
    "scan.retry": "Try again",
    "scan.problem.denied.title": "The camera is not allowed",
    "scan.problem.denied.text": "Allow this page to use the camera in your browser's settings, then press "
                                "“Try again”, or type the document code below.",
    "scan.problem.nocamera.title": "No camera found",
    "scan.problem.nocamera.text": "This device has no usable camera. Type the document code printed under the "
                                  "QR code.",
    "scan.problem.busy.title": "The camera is busy",
    "scan.problem.busy.text": "Another app is using the camera. Close it, then press “Try again”, or type the "
                              "document code below.",
    "scan.problem.insecure.title": "The camera needs a secure connection",
    "scan.problem.insecure.text": "Browsers allow the camera only on pages opened over https. Type the document "
                                  "code below, or scan the QR code with your phone's camera app.",
    "scan.problem.unsupported.title": "This browser cannot scan",
    "scan.problem.unsupported.text": "Scan the QR code with your phone's camera app, or type the document code "
                                     "below.",
    "scan.problem.failed.title": "The camera could not be started",
    "scan.problem.failed.text": "Something went wrong while starting the camera. Press “Try again”, or type the "
                                "document code below.",
    "scan.nojs.title": "Scanning with the camera needs JavaScript",
    "scan.nojs.text": "JavaScript is turned off in this browser. You can still look the document up: type its "
                      "code below, or scan the QR code with your phone's camera app.",
    "scan.type.title": "Or type the verification code",
    "scan.type.label": "Verification code",
    "scan.type.help": "The 26-character code printed beside the QR code. Upper or lower case, spaces and dashes "
                      "do not matter.",
    "scan.type.submit": "Look up",
})

VI.update(disclosure_texts.VI)  # the public disclosure pages (công khai)
EN.update(disclosure_texts.EN)

CATALOGUE: dict[str, dict[str, str]] = {"vi": VI, "en": EN}


def language(value: str | None) -> str:
    """The page language from ``?lang=``: English if asked for, Vietnamese otherwise."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """``t(key, **values)``: the text of ``key`` in ``lang``, formatted with ``values``; ``t[key]``
    the same without values. Templates use ``t[key]``: a Jinja subscription costs a fraction of
    a Jinja call, and a result page looks up about sixty texts.

    A missing key falls back to Vietnamese, then to the key itself, so a page never breaks
    over a missing word (the catalogue test keeps that from happening).
    """

    def __init__(self, lang: str) -> None:
        self.table = CATALOGUE[language(lang)]

    def __getitem__(self, key: str) -> str:
        return self.table.get(key) or VI.get(key) or key

    def __call__(self, key: str, **values: object) -> str:
        text = self[key]
        return text.format(**values) if values else text


def translator(lang: str) -> Translator:
    return Translator(lang)


def has(lang: str, key: str) -> bool:
    return key in CATALOGUE[language(lang)]
