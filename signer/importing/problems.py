"""What is wrong with an import, said the way a school clerk can act on it.

Every problem names the file, the row as the spreadsheet numbers it, the column header as the
file spells it, the value found, and the reason, in Vietnamese (English on request). The codes
are stable; the wording may improve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    "bad_encoding": ("tệp không phải UTF-8, đọc theo TCVN3, VNI hay Windows-1258 vẫn ra chữ lạ ({examples}); "
                     "hãy mở bằng Excel và lưu dạng «CSV UTF-8»",
                     "the file is not UTF-8, and read as TCVN3, VNI or Windows-1258 it still has odd words "
                     "({examples}); open it in Excel and save it as 'CSV UTF-8'"),
    "unreadable_file": ("không đọc được tệp: {reason}", "cannot read the file: {reason}"),
    "missing_column": ("thiếu cột bắt buộc «{column}»", "the required column '{column}' is missing"),
    "missing_value": ("ô bỏ trống, cần nhập {what}", "the cell is empty; {what_en} is required"),
    "missing_principal": ("chưa có tên hiệu trưởng (cột «{column}» hoặc hồ sơ trường)",
                          "no principal's name (column '{column}' or the school profile)"),
    "bad_score": ("điểm phải từ 0 đến 10, nhiều nhất một chữ số thập phân (ví dụ 8,5), hoặc Đạt / Chưa đạt",
                  "a score is 0 to 10 with at most one decimal (e.g. 8.5), or Đạt / Chưa đạt"),
    "bad_rating": ("phải là một trong: Tốt, Khá, Đạt, Chưa đạt", "must be one of Tốt, Khá, Đạt, Chưa đạt"),
    "unknown_subject": ("môn học không có trong chương trình 2018", "not a subject of the 2018 curriculum"),
    "unknown_column": ("cột không nhận ra (không phải thông tin học sinh, cũng không phải «<môn> {terms}»)",
                       "unrecognised column (neither student data nor '<subject> {terms}')"),
    "bad_date": ("không phải một ngày có thật dạng NN/TT/NNNN", "not a real date written DD/MM/YYYY"),
    "bad_personal_id": ("số định danh cá nhân gồm 12 chữ số", "a personal identification number has 12 digits"),
    "bad_gender": ("giới tính phải là Nam hoặc Nữ", "gender must be Nam or Nữ"),
    "bad_school_year": ("năm học phải có dạng 2025-2026", "a school year is written like 2025-2026"),
    "bad_days_absent": ("số ngày nghỉ phải là số nguyên không âm", "days absent must be a whole number, 0 or more"),
    "duplicate_student": ("học sinh này đã có ở dòng {first_row}", "this student already appears in row {first_row}"),
    "duplicate_row": ("trùng với dòng {first_row} (cùng học sinh, năm học, môn)",
                      "repeats row {first_row} (same student, year and subject)"),
    "conflicting_rows": ("khác với dòng {first_row} của cùng học sinh («{first_value}»)",
                         "differs from row {first_row} of the same student ('{first_value}')"),
    "already_imported": ("học bạ này đã được nhập trước đó với nội dung khác; không ghi đè",
                         "this transcript was imported before with different content; not overwritten"),
    "no_subjects": ("học sinh không có môn học nào", "the student has no subject"),
    "bad_transcript": ("{detail}", "{detail}"),
    # --multi-year: the years of one student
    "differs_between_years": ("khác với năm học {first_year} của cùng học sinh (dòng {first_row}: «{first_value}»)",
                              "differs from school year {first_year} of the same student "
                              "(row {first_row}: '{first_value}')"),
    "years_not_consecutive": ("thiếu năm học {missing} giữa năm học {before_year} và năm học này",
                              "school year {missing} is missing between {before_year} and this year"),
    "multi_year_json": ("tệp JSON chỉ chứa một lớp trong một năm học; nhập nhiều năm từ tệp CSV hoặc XLSX",
                        "a JSON file holds one class in one year; import several years from a CSV or XLSX file"),
    "duplicate_year": ("năm học này có hai lần", "this school year appears twice"),
    "years_out_of_order": ("năm học phải xếp từ cũ đến mới", "school years go oldest first"),
    "mixed_levels": ("lớp {before} (năm học {before_year}) và lớp này không cùng một cấp học",
                     "class {before} ({before_year}) and this class are not of the same level"),
    "grades_not_consecutive": ("sau lớp {before} (năm học {before_year}) phải là cùng khối hoặc khối trên liền kề",
                               "after class {before} ({before_year}) comes the same grade or the next one"),
    # graduation lists (sogoc diplomas import)
    "bad_serial_number": ("số hiệu gồm chữ in hoa và chữ số, ví dụ THPT 0123456",
                          "a serial number is capitals and digits, e.g. THPT 0123456"),
    "bad_register_number": ("số vào sổ gốc gồm chữ số (và chữ in hoa, / . -), ví dụ 0042/THPT-2026",
                            "a register number is digits (and capitals, / . -), e.g. 0042/THPT-2026"),
    "unknown_ethnicity": ("không phải tên một trong 54 dân tộc Việt Nam (danh mục của Tổng cục Thống kê)",
                          "not the name of one of the 54 ethnic groups of Viet Nam (General Statistics Office list)"),
    "bad_graduation_year": ("năm tốt nghiệp phải là năm có 4 chữ số, ví dụ 2026",
                            "a graduation year has four digits, e.g. 2026"),
    "bad_classification": ("xếp loại tốt nghiệp phải là Giỏi, Khá hoặc Trung bình",
                           "a classification is Giỏi, Khá or Trung bình"),
    "no_classification": ("bằng tốt nghiệp {diploma_type} năm {year} không xếp loại; để trống ô này",
                          "{diploma_type} diplomas of {year} have no classification; leave the cell empty"),
    "duplicate_serial_number": ("số hiệu này đã có ở dòng {first_row}", "this serial number is already in row {first_row}"),
    "duplicate_register_number": ("số vào sổ gốc này đã có ở dòng {first_row}",
                                  "this register number is already in row {first_row}"),
    "diploma_already_imported": ("bằng có số hiệu này đã được nhập trước đó với nội dung khác; không ghi đè",
                                 "a diploma with this serial number was imported before with different content; "
                                 "not overwritten"),
    "register_number_taken": ("số vào sổ gốc này đã thuộc bằng số hiệu {serial_number} nhập trước đó",
                              "this register number already belongs to diploma {serial_number}, imported before"),
    "missing_decision": ("chưa có quyết định công nhận tốt nghiệp (cột «{column}» hoặc hồ sơ cơ quan cấp)",
                         "no graduation decision (column '{column}' or the authority's profile)"),
    "bad_diploma": ("{detail}", "{detail}"),
}

WHAT = {
    "personal_id": ("số định danh cá nhân", "the personal identification number"),
    "full_name": ("họ và tên", "the full name"),
    "date_of_birth": ("ngày sinh", "the date of birth"),
    "gender": ("giới tính", "the gender"),
    "place_of_birth": ("nơi sinh", "the place of birth"),
    "class_name": ("lớp", "the class"),
    "school_year": ("năm học", "the school year"),
    "subject": ("tên môn học", "the subject"),
    "term1": ("kết quả học kì I", "the first term's result"),
    "term2": ("kết quả học kì II", "the second term's result"),
    "year": ("kết quả cả năm", "the year's result"),
    "learning_result": ("kết quả học tập", "the learning result"),
    "conduct": ("kết quả rèn luyện", "the conduct result"),
    "days_absent": ("số ngày nghỉ", "the days absent"),
    "promotion": ("quyết định lên lớp", "the promotion decision"),
    "teacher_comment": ("nhận xét của giáo viên chủ nhiệm", "the homeroom teacher's comment"),
    "homeroom_teacher": ("tên giáo viên chủ nhiệm", "the homeroom teacher's name"),
    "serial_number": ("số hiệu văn bằng", "the serial number"),
    "register_number": ("số vào sổ gốc cấp văn bằng", "the master-register number"),
    "ethnicity": ("dân tộc", "the ethnic group"),
    "school": ("tên trường", "the school"),
    "graduation_year": ("năm tốt nghiệp", "the graduation year"),
    "decision_reference": ("số quyết định công nhận tốt nghiệp", "the graduation decision's number"),
    "decision_date": ("ngày quyết định công nhận tốt nghiệp", "the graduation decision's date"),
    "issued_on": ("ngày cấp bằng", "the date of issue"),
    "legacy_source": ("nơi ghi trong sổ gốc giấy (quyển, trang)", "where it is in the paper register (book, page)"),
    "signer_name": ("tên người ký bằng", "the signer's name"),
    "signer_title": ("chức vụ người ký bằng", "the signer's title"),
}

LABELS = {
    "vi": {"row": "dòng", "column": "cột", "value": "giá trị", "empty": "(trống)"},
    "en": {"row": "row", "column": "column", "value": "value", "empty": "(empty)"},
}


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # None: the whole file (a missing column)
    column: str | None
    value: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "vi") -> str:
        """One line: ``hoc-ba.csv, dòng 7, cột «Toán HK1», giá trị «11»: điểm phải ...``."""
        en = lang == "en"
        labels = LABELS["en" if en else "vi"]
        q = ("'", "'") if en else ("«", "»")
        where = [self.file]
        if self.row is not None:
            where.append(f"{labels['row']} {self.row}")
        if self.column is not None:
            where.append(f"{labels['column']} {q[0]}{self.column}{q[1]}")
        if self.value is not None:
            shown = f"{q[0]}{self.value}{q[1]}" if self.value else labels["empty"]
            where.append(f"{labels['value']} {shown}")
        template = MESSAGES[self.code][1 if en else 0]
        return f"{', '.join(where)}: {template.format(**self.params)}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "value": self.value,
                "code": self.code, "message_vi": self.message("vi"), "message_en": self.message("en")}
