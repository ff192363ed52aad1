"""Apheresis, product lots, custody hand-offs and release (chain of identity and custody).

Every collection and lot is labelled with the subject's chain-of-identity id
(ISBT 128 ST-028); a label that does not match the subject is refused at entry,
and again at the bedside (:mod:`cartrial.services.treatment`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.errors import InputError, NotFoundError
from cartrial.services.access import load_record_subject, load_subject
from cartrial.services.context import Sessions, require_status, transaction
from cartrial.store.models import Apheresis, CustodyEvent, ProductLot, Subject, utcnow

__all__ = ["record_apheresis", "record_custody", "register_lot", "release_lot"]


def _check_label(subject: Subject, label: str) -> None:
    if subject.chain_of_identity_id is None:
        raise InputError(
            "subject", subject.code, "an enrolled subject (with a chain-of-identity id)"
        )
    if label != subject.chain_of_identity_id:
        raise InputError(
            "chain_of_identity_id",
            label,
            f"subject {subject.code}'s chain-of-identity id {subject.chain_of_identity_id}",
        )


def record_apheresis(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    collection_id: str,
    chain_of_identity_id: str,
    collected_at: dt.datetime,
) -> Apheresis:
    """A leukapheresis collection labelled with the subject's CoI id; status -> apheresed.

    ``collection_id`` is unique: one already recorded is a
    :class:`~cartrial.errors.DuplicateError` (HTTP 409 ``conflict``, naming the field
    and value), raised by the transaction from the database's unique constraint, so
    two writers racing with one id get the same answer (ISBT 128: one donation
    identification number per collection).
    """
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "product.record")
        require_status(subject, ("enrolled", "apheresed"), "record an apheresis")
        _check_label(subject, chain_of_identity_id)
        collection = Apheresis(
            subject_id=subject.id,
            chain_of_identity_id=chain_of_identity_id,
            collection_id=collection_id,
            collected_at=collected_at,
        )
        session.add(collection)
        if subject.status == "enrolled":
            session.info["reason"] = "apheresis collected"
            subject.status = "apheresed"
    return collection


def register_lot(
    sessions: Sessions, *, actor: Actor, apheresis_id: str, lot_number: str
) -> ProductLot:
    """A lot entering manufacturing from one collection; status -> manufacturing.

    ``lot_number`` is unique: one already recorded is a
    :class:`~cartrial.errors.DuplicateError` (HTTP 409 ``conflict``), as for a
    collection id.
    """
    with transaction(sessions, actor) as session:
        collection = session.get(Apheresis, apheresis_id)
        if collection is None:
            raise NotFoundError("apheresis", apheresis_id)
        subject = load_record_subject(
            session, actor, "apheresis", apheresis_id, collection.subject_id, "product.record"
        )
        require_status(subject, ("apheresed", "manufacturing"), "start manufacturing a lot")
        lot = ProductLot(
            subject_id=subject.id,
            apheresis_id=collection.id,
            chain_of_identity_id=collection.chain_of_identity_id,
            lot_number=lot_number,
        )
        session.add(lot)
        if subject.status == "apheresed":
            session.info["reason"] = f"lot {lot_number} in manufacturing"
            subject.status = "manufacturing"
    return lot


def _lot(session: Session, actor: Actor, lot_id: str) -> tuple[ProductLot, Subject]:
    """The lot and its subject; a lot out of scope is not found as a missing lot would be
    (naming the lot id given, never its subject's: issue 14)."""
    lot = session.get(ProductLot, lot_id)
    if lot is None:
        raise NotFoundError("product lot", lot_id)
    return lot, load_record_subject(
        session, actor, "product lot", lot_id, lot.subject_id, "product.record"
    )


def release_lot(
    sessions: Sessions,
    *,
    actor: Actor,
    lot_id: str,
    viable_car_cells: int,
    is_released: bool,
    note: str,
) -> ProductLot:
    """Quality release (or rejection) of a lot, with the viable CAR+ cells available."""
    if viable_car_cells < 0:
        raise InputError("viable_car_cells", viable_car_cells, "a count >= 0")
    with transaction(sessions, actor, reason=f"lot disposition: {note}") as session:
        lot, _subject = _lot(session, actor, lot_id)
        if lot.status != "manufacturing":
            raise InputError("lot status", lot.status, "a lot in manufacturing")
        lot.status = "released" if is_released else "rejected"
        lot.viable_car_cells = viable_car_cells
        lot.released_at = utcnow()
        lot.release_note = note
    return lot


def record_custody(
    sessions: Sessions,
    *,
    actor: Actor,
    lot_id: str,
    at: dt.datetime,
    from_party: str,
    to_party: str,
    location: str,
    condition: str,
) -> CustodyEvent:
    """One custody hand-off of a lot: who to whom, when, where, in what condition."""
    with transaction(sessions, actor) as session:
        lot, _subject = _lot(session, actor, lot_id)
        event = CustodyEvent(
            lot_id=lot.id,
            chain_of_identity_id=lot.chain_of_identity_id,
            at=at,
            from_party=from_party,
            to_party=to_party,
            location=location,
            condition=condition,
        )
        session.add(event)
    return event
