"""Who may do what, where (21 CFR 11.10(d), (g); Annex 11 section 12).

Permissions are data (:data:`PERMISSIONS`: action -> roles) checked in one place.
Site scoping: an actor with a site sees and changes only that site's subjects; a
subject of another site is reported as not found, never as forbidden, so its
existence is not revealed. Sponsor-wide actors (no site) see every site.

The same holds for accounts (:func:`user_in_scope`): an administrator granted at a
site manages only that site's people (issue 14; Annex 11 section 12, 21 CFR
11.10(d)); anyone else's account is "not found".
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.errors import NotFoundError, PermissionDenied
from cartrial.store.models import RoleGrant, Subject

__all__ = [
    "PERMISSIONS",
    "authorize",
    "load_record_subject",
    "load_subject",
    "subject_in_scope",
    "user_in_scope",
]

_SITE_STAFF = ("investigator", "coordinator")
_ALL = (
    "admin",
    "investigator",
    "coordinator",
    "data_manager",
    "monitor",
    "statistician",
    "safety_committee",
)

#: action -> roles allowed to perform it.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "site.manage": ("admin",),
    "user.manage": ("admin",),
    "protocol.register": ("admin", "data_manager"),
    "protocol.read": _ALL,
    "subject.read": _ALL,
    "subject.screen": _SITE_STAFF,
    "eligibility.sign": ("investigator",),
    "subject.enrol": _SITE_STAFF,
    "product.record": _SITE_STAFF,
    "treatment.record": _SITE_STAFF,
    "ae.record": _SITE_STAFF,
    "dlt.adjudicate": ("investigator", "safety_committee"),
    "escalation.decide": ("safety_committee",),
    "hold.manage": ("safety_committee", "admin"),
    "query.open": ("monitor", "data_manager"),
    "query.answer": _SITE_STAFF,
    "query.close": ("monitor", "data_manager"),
    "data.lock": ("data_manager",),
    "audit.read": ("admin", "data_manager", "monitor"),
    # Export is a right of its own (TRIAL_DATA.md section 1 item 3: "separate rights for
    # export, lock, sign"): the investigator keeps a copy of the site's records (ICH E6(R3)
    # 2.12), data managers and statisticians take the data for cleaning and analysis;
    # monitors and the committee read on screen, the admin manages accounts, not data.
    "data.export": ("investigator", "data_manager", "statistician"),
    # The study report and the CDISC packages are the analysis of the whole trial.
    "report.produce": ("data_manager", "statistician"),
}


def authorize(actor: Actor, action: str, *, site_id: str | None = None) -> None:
    """Refuse unless ``actor``'s role may do ``action`` (at ``site_id`` when given)."""
    roles = PERMISSIONS[action]
    if actor.role not in roles:
        raise PermissionDenied(action=action, role=actor.role)
    if site_id is not None and actor.site_id is not None and actor.site_id != site_id:
        raise PermissionDenied(action=action, role=actor.role, site="another site")


def load_subject(session: Session, actor: Actor, subject_id: str, action: str) -> Subject:
    """The subject, if ``actor`` may do ``action`` on it; out of scope reads as not found."""
    if actor.role not in PERMISSIONS[action]:
        raise PermissionDenied(action=action, role=actor.role)
    subject = session.get(Subject, subject_id)
    if subject is None or (actor.site_id is not None and subject.site_id != actor.site_id):
        raise NotFoundError("subject", subject_id)
    return subject


def load_record_subject(
    session: Session, actor: Actor, kind: str, record_id: str, subject_id: str, action: str
) -> Subject:
    """The subject of record ``record_id`` (a ``kind``), if ``actor`` may do ``action`` on it.

    A record whose subject is out of scope is refused as a missing record would be, named
    by the record id given and never by its subject's id (issue 14: a refusal must not
    confirm another site's record nor say whose it is; OWASP Authorization Cheat Sheet,
    answer 404 rather than describe). A role that may not do ``action`` at all is still a
    403 (:class:`PermissionDenied`), which says nothing about the record.
    """
    try:
        return load_subject(session, actor, subject_id, action)
    except NotFoundError:
        raise NotFoundError(kind, record_id) from None


# Built once, so that SQLAlchemy reuses its compiled form and result layout unchanged.
_SUBJECT_SITE = select(Subject.site_id).where(Subject.id == bindparam("subject_id"))


def subject_in_scope(session: Session, actor: Actor, subject_id: str, action: str) -> str:
    """``subject_id``, if ``actor`` may do ``action`` on it: :func:`load_subject`'s rule.

    For use cases that only attach a new record to the subject (a lab value, an AE):
    one column read instead of loading the subject.
    """
    if actor.role not in PERMISSIONS[action]:
        raise PermissionDenied(action=action, role=actor.role)
    site_id = session.execute(_SUBJECT_SITE, {"subject_id": subject_id}).scalar()
    if site_id is None or (actor.site_id is not None and site_id != actor.site_id):
        raise NotFoundError("subject", subject_id)
    return subject_id


def user_in_scope(session: Session, actor: Actor, user_id: str) -> bool:
    """Whether ``actor`` (an administrator) may manage the account ``user_id``.

    A sponsor-wide actor manages every account. An actor granted at a site manages
    the people of that site: those who were given a grant there and hold no
    unrevoked grant anywhere else (another site, or sponsor-wide), since a change to
    an account (its password, its deactivation) acts at every site it works at.
    """
    if actor.site_id is None:
        return True
    grants = session.execute(
        select(RoleGrant.site_id, RoleGrant.revoked_at).where(RoleGrant.user_id == user_id)
    ).all()
    here = any(site_id == actor.site_id for site_id, _ in grants)
    elsewhere = any(site_id != actor.site_id and revoked is None for site_id, revoked in grants)
    return here and not elsewhere
