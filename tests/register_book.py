"""A master register built through the registry's own use cases, for tests of what reads it.

Diplomas are real credentials (core.diploma), submitted through intake, anchored by the
anchoring pipeline (on tests/fake_chain.py's ledger: the chain is not what these tests are
about), entered, corrected, revoked, cancelled, re-issued and copied by registry.register and
registry.service, on whatever database the test gives (SQLite or PostgreSQL).
"""

from __future__ import annotations

from dataclasses import replace

from core.diploma import Authority, CertifiedCopy, Decision, Diploma, Holder, Signatory
from core.status import RevocationReason
from fake_chain import FakeLedger
from registry import register, service
from registry.anchoring import AnchoringRules
from registry.db import make_engine, make_sessionmaker
from registry.worker import anchor_until_settled

AUTHORITIES = {"SGD-79": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
               "SGD-01": "Sở Giáo dục và Đào tạo Hà Nội"}


def diploma(serial: str, register_number: str, name: str, birth_date: str, *, authority: str = "SGD-79",
            year: int = 2026) -> Diploma:
    return Diploma(diploma_type="THPT", serial_number=serial, register_number=register_number,
                   holder=Holder(name, birth_date, "Thành phố Hồ Chí Minh", "Nữ", "Kinh"),
                   school="Trường THPT Nguyễn Thị Minh Khai", graduation_year=year,
                   authority=Authority(authority, AUTHORITIES[authority], "Thành phố Hồ Chí Minh"),
                   signer=Signatory("Lê Thị Minh Châu", "Giám đốc"),
                   decision=Decision("1234/QĐ-SGDĐT", f"{year}-07-15"))


class RegisterBook:
    """The registry's database with its institutions, and the acts a test needs, by use case."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.ledger = FakeLedger()
        with self.sessions() as s:
            service.register_institution(s, code="BGDDT", name="Bộ Giáo dục và Đào tạo", kind="ministry",
                                         parent_code=None, chain_address="0x" + "11" * 20)
            for i, (code, name) in enumerate(AUTHORITIES.items()):
                service.register_institution(s, code=code, name=name, kind="authority", parent_code="BGDDT",
                                             chain_address="0x" + f"{i + 2:02d}" * 20)

    def _anchor(self, credentials) -> list[str]:
        with self.sessions() as s:
            ids = [service.submit_document(s, c, b"%PDF-1.7\n% " + c.id.encode()).id for c in credentials]
        anchor_until_settled(self.sessions, self.ledger, AnchoringRules(), interval=0)
        return ids

    def issue(self, *diplomas: Diploma) -> list[str]:
        """Issue and enter ``diplomas`` (one authority's), in order; their document ids."""
        ids = self._anchor([d.to_credential("2026-07-20") for d in diplomas])
        with self.sessions() as s:
            register.enter(s, ids, actor_code=diplomas[0].authority.code)
        return ids

    def correct(self, old_id: str, corrected: Diploma, decision: str) -> str:
        [new_id] = self._anchor([corrected.to_credential("2026-08-01")])
        with self.sessions() as s:
            register.correct(s, self.ledger, old_id=old_id, new_id=new_id, decision=decision,
                             actor_code=corrected.authority.code)
        return new_id

    def revoke(self, document_id: str, reason: RevocationReason, decision: str, *, cancel: bool = False,
               authority: str = "SGD-79") -> None:
        with self.sessions() as s:
            service.revoke_document(s, self.ledger, document_id=document_id, actor_code=authority, reason=reason,
                                    decision=decision, cancel=cancel)

    def reissue(self, old_id: str, again: Diploma, decision: str) -> str:
        [new_id] = self._anchor([again.to_credential("2026-08-03")])
        with self.sessions() as s:
            register.reissue(s, old_id=old_id, new_id=new_id, decision=decision, actor_code=again.authority.code)
        return new_id

    def copy(self, document_id: str, of: Diploma, copy_number: str) -> str:
        copy = CertifiedCopy(of, "2026-07-20", copy_number, Signatory("Lê Thị Minh Châu", "Giám đốc"),
                             original_document_id=document_id)
        [copy_id] = self._anchor([copy.to_credential("2026-08-02")])
        with self.sessions() as s:
            register.enter(s, [copy_id], actor_code=of.authority.code)
        return copy_id

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["RegisterBook", "diploma", "replace"]
