"""Per-institution API keys: created, listed, rotated, revoked, and checked on every request.

A token is ``sgk_<key id>_<secret>``: the key id (64 random bits) is public and finds the key by
primary key; the secret (256 random bits) is shown once, at creation, and only its SHA-256 is
stored. A fast hash is right here, unlike for passwords: a slow hash (bcrypt, scrypt, Argon2)
makes guessing a *low-entropy* password expensive, but 256 random bits cannot be guessed at any
speed, so slowness would only cost every request time and give nothing. Comparison is constant
time (``hmac.compare_digest``).

Rotation creates a new key and lets the institution's other live keys work until the end of an
overlap (so its software can switch without an outage); revocation ends a key at once.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.hashes import sha256
from registry.audit import Acting
from registry.errors import Unauthenticated, UnknownInstitution
from registry.models import ApiKey, Institution, utcnow

PREFIX = "sgk"
_TOKEN = re.compile(rf"{PREFIX}_([a-z2-7]{{13}})_([a-z2-7]{{52}})")
_KEY_ID = re.compile(r"[a-z2-7]{13}")


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``token`` is shown once and then exists only with the institution."""

    key_id: str
    token: str
    institution_code: str


@dataclass(frozen=True)
class Caller:
    """The institution a request acts as, and the key it used."""

    institution: Institution
    key_id: str

    @property
    def code(self) -> str:
        return self.institution.code


def _institution(session: Session, code: str) -> Institution:
    found = session.get(Institution, code)
    if found is None:
        raise UnknownInstitution(f"no institution with code {code!r}")
    return found


def _new_key(session: Session, code: str) -> IssuedKey:
    key_id, secret = _b32(secrets.token_bytes(8)), _b32(secrets.token_bytes(32))
    session.add(ApiKey(key_id=key_id, institution_code=code, secret_sha256=bytes(sha256(secret.encode()))))
    return IssuedKey(key_id, f"{PREFIX}_{key_id}_{secret}", code)


def create_key(session: Session, institution_code: str, acting: Acting) -> IssuedKey:
    """A new key for the institution, beside any it has."""
    _institution(session, institution_code)
    issued = _new_key(session, institution_code)
    session.add(acting.line("key.create", target=issued.key_id, subject=institution_code))
    session.commit()
    return issued


def live_keys(session: Session, institution_code: str, now: datetime | None = None) -> list[ApiKey]:
    now = now or utcnow()
    return [k for k in keys_of(session, institution_code) if k.revoked_at is None
            and (k.expires_at is None or k.expires_at > now)]


def keys_of(session: Session, institution_code: str) -> list[ApiKey]:
    """Every key the institution ever had, oldest first (revoked and expired ones too)."""
    _institution(session, institution_code)
    return list(session.scalars(select(ApiKey).where(ApiKey.institution_code == institution_code)
                                .order_by(ApiKey.created_at, ApiKey.key_id)))


def rotate_key(session: Session, institution_code: str, acting: Acting, *, overlap: timedelta) -> IssuedKey:
    """A new key; the institution's other live keys keep working for ``overlap`` more, then expire."""
    now = utcnow()
    old = live_keys(session, institution_code, now)
    issued = _new_key(session, institution_code)
    for key in old:
        end = now + overlap
        key.expires_at = end if key.expires_at is None else min(key.expires_at, end)
        key.replaced_by = issued.key_id
    session.add(acting.line("key.rotate", target=issued.key_id, subject=institution_code, count=len(old)))
    session.commit()
    return issued


def revoke_key(session: Session, institution_code: str, key_id: str, acting: Acting) -> ApiKey:
    """End a key at once. Revoking a revoked key changes nothing."""
    key = session.get(ApiKey, key_id) if _KEY_ID.fullmatch(key_id) else None
    if key is None or key.institution_code != institution_code:
        raise UnknownInstitution(f"{institution_code} has no key {key_id!r}", code="unknown_key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(acting.line("key.revoke", target=key_id, subject=institution_code))
        session.commit()
    return key


def key_id_of(authorization: str | None) -> str | None:
    """The key id named by an Authorization header, for the audit line of a refusal."""
    match = _TOKEN.fullmatch((authorization or "").removeprefix("Bearer ").strip())
    return match.group(1) if match else None


def authenticate(session: Session, authorization: str | None, now: datetime | None = None) -> Caller:
    """The institution whose key opens this ``Authorization: Bearer`` header, or Unauthenticated.

    A revoked or expired key is named as such only to the holder of its secret; anything else
    that does not open a key is ``invalid_credentials``.
    """
    if not authorization:
        raise Unauthenticated("send an API key: Authorization: Bearer sgk_...", code="missing_credentials")
    scheme, _, token = authorization.partition(" ")
    match = _TOKEN.fullmatch(token.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise Unauthenticated("the Authorization header is not a Bearer API key of this registry")
    key_id, secret = match.groups()
    key = session.get(ApiKey, key_id)
    presented = bytes(sha256(secret.encode()))
    stored = key.secret_sha256 if key is not None else bytes(32)
    if not hmac.compare_digest(presented, stored) or key is None:
        raise Unauthenticated("this API key is not valid")
    if key.revoked_at is not None:
        raise Unauthenticated("this API key was revoked", code="revoked_credentials")
    if key.expires_at is not None and key.expires_at <= (now or utcnow()):
        raise Unauthenticated("this API key expired (it was rotated)", code="expired_credentials")
    return Caller(session.get(Institution, key.institution_code), key_id)
