"""Read a subject's casebook from the store, in one read-only snapshot.

Rules (TRIAL_DATA.md section 1.6 rows 2, 5, 12):

1. 21 CFR 11.10(b): an accurate and complete copy of the subject's record:
   every record of every form (:data:`~cartrial.services.casebook.forms.FORMS`)
   with every stored field, read in one transaction (REPEATABLE READ, read only,
   on PostgreSQL; one transaction on SQLite), so the audit chain head printed
   in the header matches the content.
2. 21 CFR 11.50: each record carries its signatures with printed name, role,
   meaning statement, UTC time and the store's status (valid, or invalidated
   with the signed and current versions: 11.70).
3. EU GMP Annex 11 section 8.2: a field is *changed since first entry* when an
   audit entry replaced a value that had been entered (old value not empty);
   filling an empty field later (a visit's actual date) is that field's first
   entry, not a change. The value first entered is kept beside the current one.
4. 21 CFR 11.10(e): every audit entry about the record, in sequence (refused
   interlocks against the subject included), with the account's printed name.
5. Site scoping as every read: another site's subject is not found
   (:func:`cartrial.services.access.load_subject`).
6. TRIAL_DATA.md section 1.6 row 5 (``export`` is an audited action): once the
   read has succeeded, an ``export`` entry names who took the casebook, of which
   subject, as of which audit entry, and the source (``cli`` or ``api``), in a
   short transaction of its own (the snapshot never writes).
7. Times for people are on the site's clock with the UTC time beside them
   (the casebook carries the site's time zone; record titles use it): the site
   works on its own clock (:mod:`cartrial.services.site_clock`).

Nothing is re-derived: grades, responses, reasons and statuses are the stored ones.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cartrial import __version__
from cartrial.actor import Actor
from cartrial.errors import InputError, NotFoundError
from cartrial.services.access import authorize, load_subject
from cartrial.services.casebook.forms import FORMS, FormSpec, TableSpec
from cartrial.services.casebook.model import (
    AuditLine,
    Casebook,
    CaseForm,
    CaseRecord,
    CriterionLine,
    FieldValue,
    SignatureView,
    format_site_time,
)
from cartrial.services.context import Sessions, snapshot, transaction
from cartrial.store.audit import CHAIN_HEAD, GENESIS, record_export, record_values
from cartrial.store.models import (
    AuditEntry,
    ProtocolVersion,
    Record,
    Signature,
    Site,
    Subject,
    User,
    utcnow,
)
from cartrial.store.models.base import UtcDateTime
from cartrial.store.signatures import signature_status

__all__ = ["build_casebook", "find_subject", "list_signatures"]

_HIDDEN = frozenset({"id", "subject_id"})  # shown in the record's heading
_VERDICTS = "verdicts_json"  # shown as the verdict table
_CHUNK = 500  # ids per IN list


def find_subject(sessions: Sessions, *, actor: Actor, key: str) -> str:
    """The id of the subject named by ``key``: its id, or its code when only one subject has it."""
    authorize(actor, "subject.read")
    with sessions() as session:
        subject = session.get(Subject, key)
        if subject is not None and actor.site_id in (None, subject.site_id):
            return subject.id
        stmt = select(Subject).where(Subject.code == key).order_by(Subject.created_at, Subject.id)
        if actor.site_id is not None:
            stmt = stmt.where(Subject.site_id == actor.site_id)
        found = session.scalars(stmt).all()
    if not found:
        raise NotFoundError("subject", key)
    if len(found) > 1:
        ids = ", ".join(s.id for s in found)
        expected = f"a subject id: {len(found)} subjects have this code ({ids})"
        raise InputError("subject", key, expected)
    return found[0].id


def build_casebook(sessions: Sessions, *, actor: Actor, subject_id: str, source: str) -> Casebook:
    """The subject's casebook: every form, record, signature and audit entry (module rules 1-7).

    ``source`` is where it was asked for (``cli`` or ``api``), for the export entry.
    """
    with snapshot(sessions) as session:
        subject = load_subject(session, actor, subject_id, "subject.read")
        site = _site(session, subject)
        zone = site.time_zone
        forms = _forms(session, subject, zone, with_history=True)
        protocol = session.get(ProtocolVersion, subject.protocol_version_id)
        head = session.execute(CHAIN_HEAD).first()
        book = Casebook(
            subject_id=subject.id,
            subject_code=subject.code,
            subject_status=subject.status,
            site_code=site.code,
            site_name=site.name,
            time_zone=zone,
            protocol_id=protocol.protocol_id if protocol else subject.protocol_version_id,
            protocol_label=protocol.label if protocol else "",
            protocol_sha256=protocol.sha256 if protocol else "",
            generated_at=utcnow(),
            generated_by=actor.username,
            generated_role=actor.role,
            audit_head_seq=int(head[0]) if head else 0,
            audit_head_sha256=str(head[1]) if head else GENESIS,
            software=f"cartrial {__version__}",
            forms=forms,
        )
    with transaction(sessions, actor) as session:
        record_export(
            session,
            table_name="subject",
            record_id=book.subject_id,
            field="casebook",
            what=(
                f"casebook of subject {book.subject_code} (site {book.site_code}) as of audit "
                f"entry {book.audit_head_seq}: {len(book.records())} record(s), "
                f"{len(book.signatures())} signature(s)"
            ),
            source=source,
        )
    return book


def list_signatures(sessions: Sessions, *, actor: Actor, subject_id: str) -> list[SignatureView]:
    """The signatures on the subject's records with their status (21 CFR 11.50 display)."""
    with snapshot(sessions) as session:
        subject = load_subject(session, actor, subject_id, "subject.read")
        zone = _site(session, subject).time_zone
        forms = _forms(session, subject, zone, with_history=False)
    return [s for form in forms for r in form.walk() for s in r.signatures]


def record_history(
    sessions: Sessions, *, actor: Actor, subject_id: str, record_id: str
) -> tuple[CaseRecord, str]:
    """One record of the subject's casebook with its audit history, and the site's zone.

    The casebook's own read (rule 4: every audit entry about the record, in
    sequence, with the account's printed name), for a field's history one click
    away from where the value is shown; every role that may read the subject may
    see it, as the casebook. A record that is not the subject's is not found.
    """
    with snapshot(sessions) as session:
        subject = load_subject(session, actor, subject_id, "subject.read")
        zone = _site(session, subject).time_zone
        forms = _forms(session, subject, zone, with_history=True)
    for form in forms:
        for record in form.walk():
            if record.record_id == record_id:
                return record, zone
    raise NotFoundError("record of subject", record_id)


def _site(session: Session, subject: Subject) -> Site:
    """The subject's site, whose clock (``time_zone``, IANA) every time is shown on (rule 7).

    The foreign key makes a missing site impossible; were it missing, no casebook is
    printed rather than one with every time labelled on a clock that is not the site's.
    """
    site = session.get(Site, subject.site_id)
    if site is None:
        raise NotFoundError("site", subject.site_id)
    return site


@dataclass
class _Row:
    spec: TableSpec
    obj: Record
    parent_id: str | None


def _forms(
    session: Session, subject: Subject, zone: str, *, with_history: bool
) -> tuple[CaseForm, ...]:
    rows_by_form = [(form, _fetch_form(session, form, subject)) for form in FORMS]
    objects = {row.obj.id: row.obj for _form, rows in rows_by_form for row in rows}
    ids = list(objects)
    history = _history(session, ids) if with_history else {}
    signatures = _signatures(session, ids)
    return tuple(
        CaseForm(form.key, form.title, _tree(session, rows, history, signatures, zone))
        for form, rows in rows_by_form
    )


def _fetch_form(session: Session, form: FormSpec, subject: Subject) -> list[_Row]:
    rows: list[_Row] = []
    known: set[str] = set()
    for spec in form.tables:
        table = spec.model.__table__
        if spec.model is Subject:
            where: Any = table.c.id == subject.id
        elif "subject_id" in table.c:
            where = table.c.subject_id == subject.id
        elif known:
            where = or_(*(table.c[p].in_(sorted(known)) for p in spec.parents))
        else:
            continue
        order = [table.c[c].asc().nulls_last() for c in spec.order]
        for obj in session.scalars(select(spec.model).where(where).order_by(*order, table.c.id)):
            parent = next((getattr(obj, p) for p in spec.parents if getattr(obj, p) in known), None)
            rows.append(_Row(spec, obj, parent))
        known.update(row.obj.id for row in rows)
    return rows


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _history(session: Session, ids: Sequence[str]) -> dict[str, list[AuditLine]]:
    entries: list[AuditEntry] = []
    for chunk in _chunks(ids):
        entries += session.scalars(select(AuditEntry).where(AuditEntry.record_id.in_(chunk)))
    user_ids = sorted({e.user_id for e in entries if e.user_id})
    names: dict[str, str] = {}
    for chunk in _chunks(user_ids):
        rows = session.execute(select(User.id, User.full_name).where(User.id.in_(chunk)))
        names.update({user_id: full_name for user_id, full_name in rows})
    out: dict[str, list[AuditLine]] = defaultdict(list)
    for e in sorted(entries, key=lambda entry: entry.seq):
        out[e.record_id].append(
            AuditLine(
                seq=e.seq,
                at=e.at,
                username=e.username,
                user_name=names.get(e.user_id or ""),
                role=e.role,
                action=e.action,
                table_name=e.table_name,
                field=e.field,
                old_value=e.old_value,
                new_value=e.new_value,
                reason=e.reason,
            )
        )
    return out


def _signatures(session: Session, ids: Sequence[str]) -> dict[str, list[Signature]]:
    out: dict[str, list[Signature]] = defaultdict(list)
    for chunk in _chunks(ids):
        for sig in session.scalars(select(Signature).where(Signature.record_id.in_(chunk))):
            out[sig.record_id].append(sig)
    for sigs in out.values():
        sigs.sort(key=lambda s: (s.signed_at, s.id))
    return out


def _tree(
    session: Session,
    rows: list[_Row],
    history: dict[str, list[AuditLine]],
    signatures: dict[str, list[Signature]],
    zone: str,
) -> tuple[CaseRecord, ...]:
    children: dict[str | None, list[_Row]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)

    def build(row: _Row) -> CaseRecord:
        kids = tuple(build(kid) for kid in children.get(row.obj.id, []))
        return _case_record(session, row, history, signatures, kids, zone)

    return tuple(build(row) for row in children[None])


def _first_values(lines: Iterable[AuditLine]) -> tuple[dict[str, str | None], set[str]]:
    """Fields whose entered value was replaced, with the value first entered (rule 3),
    and the fields filled after the record was created."""
    first: dict[str, str | None] = {}
    filled: set[str] = set()
    for line in lines:
        if line.action != "update" or not line.field:
            continue
        if line.old_value is None:
            filled.add(line.field)
        else:
            first.setdefault(line.field, line.old_value)
    return first, filled


def _verdicts(text: str | None) -> tuple[CriterionLine, ...] | None:
    try:
        items = json.loads(text or "")
        return tuple(
            CriterionLine(
                id=str(v["id"]),
                type=str(v.get("type", "")),
                text=str(v.get("text", "")),
                verdict=str(v["verdict"]),
                reason=str(v.get("reason", "")),
            )
            for v in items
        )
    except (ValueError, TypeError, KeyError):
        return None  # not the engine's shape: shown as stored text instead


def _case_record(
    session: Session,
    row: _Row,
    history: dict[str, list[AuditLine]],
    signatures: dict[str, list[Signature]],
    children: tuple[CaseRecord, ...],
    zone: str,
) -> CaseRecord:
    obj = row.obj
    values = record_values(obj)
    lines = history.get(obj.id, [])
    first, filled = _first_values(lines)
    verdicts = _verdicts(values.get(_VERDICTS)) if _VERDICTS in values else None
    hidden = _HIDDEN | ({_VERDICTS} if verdicts is not None else set())
    instants = {c.key for c in obj.__table__.columns if isinstance(c.type, UtcDateTime)}
    fields = tuple(
        FieldValue(name, value, name in first, first.get(name), name in filled, name in instants)
        for name, value in values.items()
        if name not in hidden
    )
    shown = {
        k: "-" if v is None else format_site_time(v, zone) if k in instants else v
        for k, v in values.items()
    }
    title = row.spec.title.format_map(shown)
    return CaseRecord(
        table_name=obj.__tablename__,
        record_id=obj.id,
        title=title,
        version=obj.version,
        fields=fields,
        signatures=tuple(
            _signature_view(session, sig, obj, title, zone) for sig in signatures.get(obj.id, [])
        ),
        history=tuple(lines),
        verdicts=verdicts or (),
        children=children,
    )


def _signature_view(
    session: Session, sig: Signature, obj: Record, title: str, zone: str
) -> SignatureView:
    status = signature_status(session, sig)
    return SignatureView(
        id=sig.id,
        table_name=sig.table_name,
        record_id=sig.record_id,
        record_title=title,
        printed_name=sig.printed_name,
        role=sig.role,
        meaning=sig.meaning,
        statement=sig.statement,
        signed_at=sig.signed_at,
        signed_version=sig.record_version,
        current_version=obj.version,
        content_sha256=sig.content_sha256,
        is_valid=status.is_valid,
        status=status.reason,
        time_zone=zone,
    )
