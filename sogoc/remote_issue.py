"""``sogoc transcripts issue --registry URL``: sign on the school's machine, submit over the API.

The deployment this serves: the registry runs at the education department (Sở GDĐT), the school
holds only its keys, its imported transcripts and an API key. So this mode signs exactly as the
in-process mode does (same files, same resume: a re-run signs only what has no file and resubmits
the rest, which the registry answers ``created: false``), then sends the PDFs in bulk requests.
It does not anchor (the registry's ``sogoc registry worker`` does), and it touches neither the
chain nor a database. The signers' certificates must already be registered on chain for the
school (the verifier requires it): the in-process mode registers them; the registry's API offers
no way to yet (README, "Issuing a school year").
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

from core.config import Settings
from core.errors import ConfigurationError
from sogoc.registry_client import BulkSubmitter, RegistryClient, RegistryRefused, RegistryUnreachable

EXIT_OK, EXIT_ERROR = 0, 2


def api_key() -> str:
    """The school's API key: ``SOGOC_API_KEY``, else a prompt that does not echo."""
    import getpass

    return os.environ.get("SOGOC_API_KEY") or getpass.getpass("API key of the school (sgk_...): ")


def issue_remote(args: argparse.Namespace, settings: Settings, signer_setup: Callable) -> int:
    """Sign the year's transcripts and submit them to ``args.registry``; print a summary."""
    from signer.pki import init_dev_pki
    from signer.teachers import TeacherKeyProblems
    from sogoc.issue import issue_year, text_progress

    if settings.environment != "development":
        raise ConfigurationError("signing runs with the development PKI only for now (see README)")
    pki = init_dev_pki(settings.data_dir / "pki")
    setup, out_dir, store = signer_setup(args, settings, pki.directory)
    with RegistryClient(args.registry, api_key()) as client:
        submitter = BulkSubmitter(client, args.batch_size)
        try:
            summary = issue_year(store, args.school, args.year, out_dir, setup, submitter, workers=args.workers,
                                 progress=text_progress("Ký và nộp học bạ"), multi_year=args.multi_year)
            submitter.flush()
        except TeacherKeyProblems as e:
            print(e.message(args.lang), file=sys.stderr)
            return EXIT_ERROR
        except (RegistryRefused, RegistryUnreachable) as e:
            refused = len(e.items) if isinstance(e, RegistryRefused) else 0
            _print_submitted(submitter, refused, args.registry)
            print(f"\nsogoc: error: {e}\nCác PDF đã ký vẫn ở {out_dir}: sửa lỗi rồi chạy lại lệnh, "
                  f"lệnh chỉ ký những học bạ chưa có tệp và nộp lại phần còn lại.", file=sys.stderr)
            return EXIT_ERROR
    if summary.total == 0:
        print(f"Không có học bạ nào của {args.school} năm học {args.year} để cấp "
              f"(hãy chạy `sogoc transcripts import`).", file=sys.stderr)
        return EXIT_ERROR
    print(f"{summary.total} học bạ: {summary.signed} vừa ký, {summary.already} đã ký từ lần trước; PDF trong {out_dir}.")
    _print_submitted(submitter, 0, args.registry)
    example = submitter.tally.document_ids[0]
    print(f"Sổ đăng ký của Sở neo các văn bản (sogoc registry worker). Xem trạng thái: "
          f"GET {client.base_url}/api/v1/documents/{{id}} (state: pending → anchored), "
          f"ví dụ {client.base_url}/api/v1/documents/{example}")
    return EXIT_OK


def _print_submitted(submitter: BulkSubmitter, refused: int, registry: str) -> None:
    t = submitter.tally
    print(f"Nộp cho {registry}: {t.created} mới, {t.existing} đã có từ trước, {refused} bị từ chối.")

