"""Electronic signatures bound to the record they sign.

- 21 CFR 11.50: the signature shows the signer's printed name, the UTC date
  and time, and the meaning ("I confirm this subject's eligibility", ...);
- 21 CFR 11.200(a)(1): each signing re-enters the password;
- 21 CFR 11.70 / Annex 11 section 14: the signature stores the record's version
  and the SHA-256 of its content; any later change to the record shows the
  signature as invalidated (one-way: changing it back does not revive it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.errors import AuthenticationError, InputError, SignatureRefused
from cartrial.store.accounts import locked_until, password_matches
from cartrial.store.audit import Actor, record_event, record_sha256
from cartrial.store.models import Base, Record, Signature, User, utcnow
from cartrial.vocabulary import SIGNATURE_MEANINGS

__all__ = ["SignatureStatus", "find_signatures", "sign_record", "signature_status"]


def sign_record(
    session: Session, *, actor: Actor, password: str, meaning: str, record: Record
) -> Signature:
    """Sign ``record`` with ``meaning`` after re-checking the signer's password."""
    if meaning not in SIGNATURE_MEANINGS:
        raise InputError("meaning", meaning, "one of " + ", ".join(SIGNATURE_MEANINGS))
    user = session.get(User, actor.user_id) if actor.user_id else None
    wrong = "signature refused: the password is wrong (21 CFR 11.200)"
    if user is None:
        raise AuthenticationError(wrong)
    until = locked_until(user)
    if until is not None and utcnow() < until:  # nothing is tried while locked
        raise SignatureRefused(wrong, user_id=None)
    if not password_matches(user, password):
        raise SignatureRefused(wrong, user_id=user.id)  # counted (services.context)
    session.flush()  # the record's id and version as they will be stored
    signature = Signature(
        user_id=user.id,
        printed_name=user.full_name,
        role=actor.role or "",
        meaning=meaning,
        statement=SIGNATURE_MEANINGS[meaning],
        signed_at=utcnow(),
        table_name=record.__tablename__,
        record_id=record.id,
        record_version=record.version,
        content_sha256=record_sha256(record),
    )
    session.add(signature)
    record_event(
        session,
        action="sign",
        table_name=record.__tablename__,
        record_id=record.id,
        field="signature",
        new_value=f"{user.full_name}: {signature.statement}",
    )
    return signature


@dataclass(frozen=True)
class SignatureStatus:
    """Whether a signature still covers its record, and why not."""

    is_valid: bool
    manifest: str
    reason: str


def signature_status(session: Session, signature: Signature) -> SignatureStatus:
    """Valid when the record is at the signed version with the signed content."""
    table = Base.metadata.tables[signature.table_name]
    model = next(m.class_ for m in Base.registry.mappers if m.local_table is table)
    record = session.get(model, signature.record_id)
    manifest = (
        f"{signature.printed_name} ({signature.role}), "
        f"{signature.signed_at:%Y-%m-%d %H:%M:%S} UTC: {signature.statement}"
    )
    if record is None:
        return SignatureStatus(False, manifest, "the signed record no longer exists")
    if record.version != signature.record_version:
        return SignatureStatus(
            False,
            manifest,
            f"invalidated: the record changed after signing "
            f"(signed version {signature.record_version}, now {record.version})",
        )
    if record_sha256(record) != signature.content_sha256:
        return SignatureStatus(False, manifest, "invalidated: the record's content changed")
    return SignatureStatus(True, manifest, "valid")


def find_signatures(session: Session, record: Record, meaning: str) -> list[Signature]:
    """The record's signatures with ``meaning``, oldest first."""
    return list(
        session.scalars(
            select(Signature)
            .where(Signature.record_id == record.id, Signature.meaning == meaning)
            .order_by(Signature.signed_at)
        )
    )
