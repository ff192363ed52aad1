"""Set-up use cases: sites, user accounts, role grants, protocol versions.

- 21 CFR 11.100(a): accounts are deactivated, never deleted, and user names
  never reused; 11.10(d), (g) and Annex 11 section 12: a person acts only in a
  role granted at a site (or sponsor-wide), and a revoked grant or deactivated
  account stops acting at once: their login sessions end and API tokens are
  revoked in the same transaction;
- Annex 11 section 9: a grant is revoked by setting ``revoked_at``, never
  deleted; who revoked it and why are in the audit entry of that change (the
  reason is required), as for a deactivation, a password reset and an unlock;
- scope (issue 14; Annex 11 section 12): an administrator granted at a site
  manages only that site's people and grants
  (:func:`cartrial.services.access.user_in_scope`); any other account is "not
  found", as if it did not exist, and a grant elsewhere is forbidden;
- the system keeps an administrator: nobody deactivates their own account, and
  the last active sponsor-wide administrator can be neither deactivated nor lose
  that grant (OWASP Authorization Cheat Sheet, least privilege with a kept
  break-glass path);
- a password reset by an administrator needs the administrator's own password
  again (OWASP Authentication Cheat Sheet, re-authentication for sensitive
  features; 21 CFR 11.300(b)); it ends every session and revokes every API
  token of the account, since whoever held the old password may hold those.
- Annex 11 section 10 (change control): a protocol file is registered with its
  text and SHA-256; the same text again is the same version, a changed text a
  new version, never an overwrite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.errors import AuthenticationError, InputError, NotFoundError, PermissionDenied
from cartrial.protocol.load import LoadedProtocol, parse_protocol_text
from cartrial.protocol.model import Protocol
from cartrial.services.access import authorize, user_in_scope
from cartrial.services.context import Sessions, transaction
from cartrial.services.site_clock import time_zone_named
from cartrial.store.accounts import check_reentered_password, hash_password
from cartrial.store.audit import record_event
from cartrial.store.models import (
    ApiToken,
    AuthSession,
    ProtocolVersion,
    RoleGrant,
    Site,
    Subject,
    User,
    utcnow,
)
from cartrial.vocabulary import ROLES

__all__ = [
    "GrantView",
    "Registration",
    "add_user",
    "create_site",
    "deactivate_user",
    "grant_role",
    "list_grants",
    "list_protocol_versions",
    "parsed_protocols",
    "protocol_of",
    "protocol_of_version",
    "register_protocol",
    "register_protocol_version",
    "reset_password",
    "revoke_role",
    "revoke_user_tokens",
    "set_site_time_zone",
    "site_of_actor",
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
        for _role, site_code in roles:
            _site_in_scope(session, actor, site_code)
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
    site_id = _site_id(session, site_code)
    if _active_grant(session, user, role, site_id) is not None:
        raise InputError(
            "role", _grant_text(role, site_code), f"a role {user.username} does not hold yet"
        )
    grant = RoleGrant(user_id=user.id, role=role, site_id=site_id)
    session.add(grant)
    return grant


def _grant_text(role: str, site_code: str | None) -> str:
    return f"{role}@{site_code}" if site_code else role


def _active_grant(session: Session, user: User, role: str, site_id: str | None) -> RoleGrant | None:
    return session.scalars(
        select(RoleGrant).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == role,
            RoleGrant.site_id.is_(None) if site_id is None else RoleGrant.site_id == site_id,
            RoleGrant.revoked_at.is_(None),
        )
    ).first()


def _user_named(session: Session, username: str, actor: Actor | None = None) -> User:
    """The account, if ``actor`` may manage it; out of the actor's sites: not found."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or (actor is not None and not user_in_scope(session, actor, user.id)):
        raise NotFoundError("user", username)
    return user


def _site_in_scope(session: Session, actor: Actor, site_code: str | None) -> str | None:
    """The site's id, if ``actor`` may grant there (a site admin: only at its own site)."""
    site_id = _site_id(session, site_code)
    if actor.site_id is not None and site_id != actor.site_id:
        raise PermissionDenied(
            action="manage grants there", role=actor.role, site=site_code or "all sites"
        )
    return site_id


def _refuse_losing_the_last_admin(session: Session, actor: Actor, user: User, what: str) -> None:
    """Refuse when ``user`` is the last active user holding sponsor-wide admin (module doc)."""
    admins = set(
        session.scalars(
            select(RoleGrant.user_id)
            .join(User, User.id == RoleGrant.user_id)
            .where(
                RoleGrant.role == "admin",
                RoleGrant.site_id.is_(None),
                RoleGrant.revoked_at.is_(None),
                User.is_active.is_(True),
            )
        )
    )
    if admins == {user.id}:
        raise InputError(
            "username",
            user.username,
            f"not the last active sponsor-wide administrator ({what} would leave none): "
            "grant admin to another person first",
        )


def _reason_given(reason: str, what: str) -> None:
    if not reason.strip():
        raise InputError("reason", reason, f"why {what} (Annex 11 section 9: kept in the trail)")


@dataclass(frozen=True)
class GrantView:
    """A grant as an administrator reads it: the site by its code (None: sponsor-wide)."""

    id: str
    username: str
    role: str
    site: str | None
    granted_at: dt.datetime
    revoked_at: dt.datetime | None


def _view(session: Session, user: User, grant: RoleGrant) -> GrantView:
    site = session.get(Site, grant.site_id) if grant.site_id is not None else None
    return GrantView(
        id=grant.id,
        username=user.username,
        role=grant.role,
        site=site.code if site is not None else None,
        granted_at=grant.granted_at,
        revoked_at=grant.revoked_at,
    )


def grant_role(
    sessions: Sessions, *, actor: Actor, username: str, role: str, site_code: str | None
) -> GrantView:
    """Grant ``role`` at ``site_code`` (None: sponsor-wide) to an active user.

    A role the user already holds there is refused, naming it (one active grant
    per role and site, so that revoking it ends it).
    """
    with transaction(sessions, actor) as session:
        authorize(actor, "user.manage")
        user = _user_named(session, username, actor)
        _site_in_scope(session, actor, site_code)
        if not user.is_active:
            raise InputError("username", username, "an active account (it is deactivated)")
        grant = _grant(session, user, role, site_code)
        session.flush()
        return _view(session, user, grant)


def _end_access(
    session: Session, user: User, *, role: str | None = None, site_id: str | None = None
) -> None:
    """End the user's login sessions and revoke their API tokens (in one role and site)."""
    now = utcnow()
    sessions_q = select(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.ended_at.is_(None)
    )
    tokens_q = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if role is not None:
        same_site = (
            AuthSession.site_id.is_(None) if site_id is None else AuthSession.site_id == site_id
        )
        sessions_q = sessions_q.where(AuthSession.role == role, same_site)
        same_site = ApiToken.site_id.is_(None) if site_id is None else ApiToken.site_id == site_id
        tokens_q = tokens_q.where(ApiToken.role == role, same_site)
    for row in session.scalars(sessions_q):
        row.ended_at = now
    _revoke_tokens(session, session.scalars(tokens_q).all(), now)


def _revoke_tokens(session: Session, tokens: Sequence[ApiToken], now: dt.datetime) -> None:
    """Revoke ``tokens`` at ``now``, each with its audit entry (21 CFR 11.10(d), (e))."""
    for token in tokens:
        token.revoked_at = now
        record_event(
            session,
            action="update",
            table_name="api_token",
            record_id=token.id,
            field="revoked_at",
            new_value="revoked",
            reason=session.info.get("reason"),
        )


def revoke_role(
    sessions: Sessions,
    *,
    actor: Actor,
    username: str,
    role: str,
    site_code: str | None,
    reason: str,
) -> GrantView:
    """Revoke the user's active grant of ``role`` at ``site_code`` (module doc).

    The grant is kept with its ``revoked_at``; the audit entry names who revoked
    it and why. The user's sessions and API tokens in that role at that site end.
    """
    _reason_given(reason, "the grant is revoked")
    if role not in ROLES:
        raise InputError("role", role, "one of " + ", ".join(ROLES))
    with transaction(sessions, actor, reason=reason) as session:
        authorize(actor, "user.manage")
        user = _user_named(session, username, actor)
        site_id = _site_in_scope(session, actor, site_code)
        grant = _active_grant(session, user, role, site_id)
        if grant is None:
            raise InputError(
                "role", _grant_text(role, site_code), f"a role {username} holds (not revoked)"
            )
        if role == "admin" and site_id is None:
            _refuse_losing_the_last_admin(session, actor, user, "revoking this grant")
        grant.revoked_at = utcnow()
        _end_access(session, user, role=role, site_id=site_id)
        session.flush()
        return _view(session, user, grant)


def deactivate_user(sessions: Sessions, *, actor: Actor, username: str, reason: str) -> None:
    """Deactivate an account: it can no longer log in or act; kept, never deleted (11.100(a)).

    Its sessions end and its API tokens are revoked in the same transaction; the
    audit entry names who deactivated it and why. Nobody deactivates their own
    account, nor the last active sponsor-wide administrator (module doc).
    """
    _reason_given(reason, "the account is deactivated")
    with transaction(sessions, actor, reason=reason) as session:
        authorize(actor, "user.manage")
        user = _user_named(session, username, actor)
        if not user.is_active:
            raise InputError("username", username, "an active account (already deactivated)")
        if actor.user_id is not None and user.id == actor.user_id:
            raise InputError(
                "username", username, "another person's account (you may not deactivate your own)"
            )
        _refuse_losing_the_last_admin(session, actor, user, "deactivating it")
        user.is_active = False
        _end_access(session, user)


def list_grants(sessions: Sessions, *, actor: Actor, username: str) -> list[GrantView]:
    """Every grant the user was ever given, revoked ones included, oldest first."""
    authorize(actor, "user.manage")
    with sessions() as session:
        user = _user_named(session, username, actor)
        grants = session.scalars(
            select(RoleGrant)
            .where(RoleGrant.user_id == user.id)
            .order_by(RoleGrant.granted_at, RoleGrant.id)
        ).all()
        return [_view(session, user, g) for g in grants]


def unlock_user(sessions: Sessions, *, actor: Actor, username: str, reason: str) -> None:
    """Lift a lockout at once after identity was checked (21 CFR 11.300(d)); audited.

    Locks also expire by themselves (:func:`cartrial.store.accounts.lock_delay`).
    """
    _reason_given(reason, "the account is unlocked")
    with transaction(sessions, actor, reason=reason) as session:
        authorize(actor, "user.manage")
        user = _user_named(session, username, actor)
        user.locked_at = None
        user.failed_logins = 0


def revoke_user_tokens(sessions: Sessions, *, actor: Actor, username: str, reason: str) -> int:
    """Revoke every API token of the account at once (audited); returns how many."""
    _reason_given(reason, "the user's API tokens are revoked")
    with transaction(sessions, actor, reason=reason) as session:
        authorize(actor, "user.manage")
        user = _user_named(session, username, actor)
        tokens = session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ).all()
        _revoke_tokens(session, tokens, utcnow())
        return len(tokens)


def reset_password(
    sessions: Sessions,
    *,
    actor: Actor,
    username: str,
    new_password: str,
    reason: str,
    admin_password: str | None = None,
) -> None:
    """Set another person's password (module doc): audited, their sessions and tokens end.

    A signed-in administrator re-enters their own password (``admin_password``); a
    wrong one counts as a failed login of the administrator. The command line acts as
    the operator of the server (no account), who already holds the database.
    """
    _reason_given(reason, "the password is reset")
    new_hash = hash_password(new_password)
    refused = False
    with transaction(sessions, actor, reason=reason) as session:
        authorize(actor, "user.manage")
        if actor.user_id is not None:
            me = session.get(User, actor.user_id)
            if me is None or not check_reentered_password(
                session, me, admin_password or "", "a password reset"
            ):
                refused = True
        if not refused:
            user = _user_named(session, username, actor)
            if actor.user_id is not None and user.id == actor.user_id:
                raise InputError(
                    "username", username, "another person's account (change your own instead)"
                )
            user.password_hash = new_hash
            user.failed_logins = 0
            user.locked_at = None
            _end_access(session, user)
    if refused:
        raise AuthenticationError(
            "password not reset: your own password is wrong, or your account is locked "
            "after too many failed attempts"
        )


@dataclass(frozen=True)
class Registration:
    """A registered protocol version and whether this call stored it (False: already there)."""

    version: ProtocolVersion
    is_new: bool


#: Column widths of ``protocol_version`` that a protocol's id and version label must fit.
_ID_WIDTH, _LABEL_WIDTH = 64, 200


def register_protocol_version(
    sessions: Sessions, *, actor: Actor, yaml_text: str, origin: str = "(registered protocol)"
) -> Registration:
    """Validate and store a protocol's YAML text and SHA-256 (module doc, Annex 11 section 10).

    ``origin`` names the text in errors (the file, or the request body): an
    invalid protocol is a :class:`~cartrial.errors.ProtocolError` naming it, the
    line and the field, and nothing is stored.
    """
    authorize(actor, "protocol.register")  # before parsing what may be anyone's text
    sha = hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()
    if sha not in _PARSED:
        _PARSED[sha] = parse_protocol_text(yaml_text, origin).protocol
    protocol = _PARSED[sha]
    if len(protocol.id) > _ID_WIDTH:
        raise InputError("id", protocol.id, f"a protocol id of at most {_ID_WIDTH} characters")
    if len(protocol.version) > _LABEL_WIDTH:
        raise InputError(
            "version", protocol.version, f"a version label of at most {_LABEL_WIDTH} characters"
        )
    with transaction(sessions, actor) as session:
        authorize(actor, "protocol.register")
        existing = session.scalars(
            select(ProtocolVersion).where(
                ProtocolVersion.protocol_id == protocol.id, ProtocolVersion.sha256 == sha
            )
        ).first()
        if existing is not None:
            return Registration(existing, is_new=False)
        version = ProtocolVersion(
            protocol_id=protocol.id,
            label=protocol.version,
            yaml_text=yaml_text,
            sha256=sha,
            registered_at=utcnow(),
        )
        session.add(version)
    return Registration(version, is_new=True)


def register_protocol(
    sessions: Sessions, *, actor: Actor, yaml_text: str, origin: str = "(registered protocol)"
) -> ProtocolVersion:
    """Store a validated protocol's YAML text and SHA-256 (the same text twice: one row)."""
    return register_protocol_version(
        sessions, actor=actor, yaml_text=yaml_text, origin=origin
    ).version


def list_protocol_versions(
    sessions: Sessions, *, actor: Actor, limit: int = 50, offset: int = 0
) -> tuple[Sequence[ProtocolVersion], int]:
    """Registered protocol versions, oldest first (every role may read them)."""
    authorize(actor, "protocol.read")
    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(ProtocolVersion)) or 0
        rows = session.scalars(
            select(ProtocolVersion)
            .order_by(ProtocolVersion.registered_at, ProtocolVersion.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return rows, total


def site_of_actor(sessions: Sessions, actor: Actor) -> tuple[str, str] | None:
    """The code and IANA time zone of the site ``actor`` works at; None when sponsor-wide."""
    if actor.site_id is None:
        return None
    with sessions() as session:
        row = session.execute(
            select(Site.code, Site.time_zone).where(Site.id == actor.site_id)
        ).first()
    return (str(row[0]), str(row[1])) if row is not None else None


def protocol_of(session: Session, subject: Subject) -> Protocol:
    """The protocol version the subject is under, parsed once per process."""
    version = session.get(ProtocolVersion, subject.protocol_version_id)
    if version is None:
        raise NotFoundError("protocol version", subject.protocol_version_id)
    return protocol_of_version(version)


# Built once (a bound parameter, reused as compiled): the versions' text hashes only.
_VERSION_HASHES = select(ProtocolVersion.id, ProtocolVersion.sha256)
_VERSION_HASH = _VERSION_HASHES.where(ProtocolVersion.id == bindparam("version_id"))


def parsed_protocols(session: Session, version_id: str | None = None) -> dict[str, Protocol]:
    """Every registered version's parsed protocol by version id (only ``version_id``'s if given).

    Reads the versions' hashes; a version's text (tens of kilobytes) is read only
    when this process has not parsed it yet (:func:`protocol_of_version`).
    """
    if version_id is None:
        rows = session.execute(_VERSION_HASHES).all()
    else:
        rows = session.execute(_VERSION_HASH, {"version_id": version_id}).all()
    parsed: dict[str, Protocol] = {}
    for found_id, sha in rows:
        if sha in _PARSED:
            parsed[found_id] = _PARSED[sha]
            continue
        version = session.get(ProtocolVersion, found_id)
        if version is None:  # gone between the two reads: a deleted version is not served
            raise NotFoundError("protocol version", found_id)
        parsed[found_id] = protocol_of_version(version)
    return parsed


def protocol_of_version(version: ProtocolVersion) -> Protocol:
    """A registered protocol version's parsed protocol (parsed once per process)."""
    if version.sha256 not in _PARSED:
        loaded: LoadedProtocol = parse_protocol_text(version.yaml_text, version.protocol_id)
        _PARSED[version.sha256] = loaded.protocol
    return _PARSED[version.sha256]
