"""Set-up use cases: sites, user accounts, role grants, protocol versions."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.errors import InputError, NotFoundError
from cartrial.protocol.load import LoadedProtocol, parse_protocol_text
from cartrial.protocol.model import Protocol
from cartrial.services.access import authorize
from cartrial.services.context import Sessions, transaction
from cartrial.services.site_clock import time_zone_named
from cartrial.store.accounts import hash_password
from cartrial.store.audit import Actor
from cartrial.store.models import ROLES, ProtocolVersion, RoleGrant, Site, Subject, User, utcnow

__all__ = [
    "add_user",
    "create_site",
    "grant_role",
    "protocol_of",
    "protocol_of_version",
    "register_protocol",
    "set_site_time_zone",
    "unlock_user",
]

_PARSED: dict[str, Protocol] = {}


def create_site(sessions: Sessions, *, actor: Actor, code: str, name: str, time_zone: str) -> Site:
    """Register a site; ``code`` is short (letters and digits, up to 16).

    ``time_zone`` is the IANA name of the site's clock (``Asia/Shanghai``), on
    which study days are counted; it is required, never guessed.
    """
    if not code.isalnum() or len(code) > 16:
        raise InputError("code", code, "1-16 letters or digits")
    time_zone_named(time_zone)
    with transaction(sessions, actor) as session:
        authorize(actor, "site.manage")
        if session.scalars(select(Site).where(Site.code == code)).first():
            raise InputError("code", code, "a site code not already registered")
        site = Site(code=code, name=name, time_zone=time_zone)
        session.add(site)
    return site


def set_site_time_zone(
    sessions: Sessions, *, actor: Actor, code: str, time_zone: str, reason: str
) -> Site:
    """Correct a site's time zone; an audited change with its reason (Annex 11 section 9).

    Stored times are UTC and stay as they are; the study days, visit dates and
    DLT windows derived from them afterwards follow the new clock. Visits
    already planned keep their dates.
    """
    time_zone_named(time_zone)
    if not reason.strip():
        raise InputError("reason", reason, "why the site's time zone changes (Annex 11 section 9)")
    with transaction(sessions, actor, reason=reason) as session:
        authorize(actor, "site.manage")
        site = session.scalars(select(Site).where(Site.code == code)).first()
        if site is None:
            raise NotFoundError("site", code)
        site.time_zone = time_zone
    return site


def _site_id(session: Session, code: str | None) -> str | None:
    if code is None:
        return None
    site = session.scalars(select(Site).where(Site.code == code)).first()
    if site is None:
        raise NotFoundError("site", code)
    return site.id


def add_user(
    sessions: Sessions,
    *,
    actor: Actor,
    username: str,
    full_name: str,
    password: str,
    roles: list[tuple[str, str | None]],
) -> User:
    """Create an account with its grants ``[(role, site code or None), ...]``.

    User names are never reused (21 CFR 11.100(a)).
    """
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        raise InputError("username", username, "letters, digits, '.' or '_'")
    if not full_name.strip():
        raise InputError("full_name", full_name, "the person's printed name (21 CFR 11.50)")
    password_hash = hash_password(password)
    with transaction(sessions, actor) as session:
        authorize(actor, "user.manage")
        if session.scalars(select(User).where(User.username == username)).first():
            raise InputError("username", username, "a user name never used before (11.100(a))")
        user = User(username=username, full_name=full_name, password_hash=password_hash)
        session.add(user)
        session.flush()
        for role, site_code in roles:
            _grant(session, user, role, site_code)
    return user


def _grant(session: Session, user: User, role: str, site_code: str | None) -> RoleGrant:
    if role not in ROLES:
        raise InputError("role", role, "one of " + ", ".join(ROLES))
    grant = RoleGrant(user_id=user.id, role=role, site_id=_site_id(session, site_code))
    session.add(grant)
    return grant


def grant_role(
    sessions: Sessions, *, actor: Actor, username: str, role: str, site_code: str | None
) -> RoleGrant:
    """Grant ``role`` at ``site_code`` (None: sponsor-wide) to an existing user."""
    with transaction(sessions, actor) as session:
        authorize(actor, "user.manage")
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFoundError("user", username)
        return _grant(session, user, role, site_code)


def unlock_user(sessions: Sessions, *, actor: Actor, username: str, reason: str) -> None:
    """Lift a lockout after identity was checked (21 CFR 11.300(d))."""
    with transaction(sessions, actor, reason=reason) as session:
        authorize(actor, "user.manage")
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFoundError("user", username)
        user.locked_at = None
        user.failed_logins = 0


def register_protocol(sessions: Sessions, *, actor: Actor, yaml_text: str) -> ProtocolVersion:
    """Store a validated protocol's YAML text and SHA-256 (the same text twice: one row)."""
    sha = hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()
    if sha not in _PARSED:
        _PARSED[sha] = parse_protocol_text(yaml_text, "(registered protocol)").protocol
    protocol = _PARSED[sha]
    with transaction(sessions, actor) as session:
        authorize(actor, "protocol.register")
        existing = session.scalars(
            select(ProtocolVersion).where(
                ProtocolVersion.protocol_id == protocol.id, ProtocolVersion.sha256 == sha
            )
        ).first()
        if existing is not None:
            return existing
        version = ProtocolVersion(
            protocol_id=protocol.id,
            label=protocol.version,
            yaml_text=yaml_text,
            sha256=sha,
            registered_at=utcnow(),
        )
        session.add(version)
    return version


def protocol_of(session: Session, subject: Subject) -> Protocol:
    """The protocol version the subject is under, parsed once per process."""
    version = session.get(ProtocolVersion, subject.protocol_version_id)
    if version is None:
        raise NotFoundError("protocol version", subject.protocol_version_id)
    return protocol_of_version(version)


def protocol_of_version(version: ProtocolVersion) -> Protocol:
    """A registered protocol version's parsed protocol (parsed once per process)."""
    if version.sha256 not in _PARSED:
        loaded: LoadedProtocol = parse_protocol_text(version.yaml_text, version.protocol_id)
        _PARSED[version.sha256] = loaded.protocol
    return _PARSED[version.sha256]
