"""``cartrial db``, ``cartrial site``, ``cartrial user`` and ``cartrial audit``: the trial database.

The database is the SQLite file ``cartrial.db`` in the current folder unless
``--url`` or ``$CARTRIAL_DATABASE_URL`` names another (PostgreSQL for several
sites). Commands act as ``cli:<operating-system user>`` in the admin role; that
name goes into every audit entry they write.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine, inspect

from cartrial.actor import Actor
from cartrial.cli.common import Url, fail, handle_errors
from cartrial.services import admin
from cartrial.store import make_engine, make_sessionmaker, upgrade, verify_chain
from cartrial.store.archive import export_database, import_database
from cartrial.store.db import database_url
from cartrial.store.migrate import current_revision, head_revision
from cartrial.vocabulary import ROLES

__all__ = [
    "audit_app",
    "db_app",
    "export_data",
    "import_data",
    "serve",
    "site_app",
    "user_app",
]

db_app = typer.Typer(help="Create and migrate the trial database.", no_args_is_help=True)
site_app = typer.Typer(help="Register trial sites.", no_args_is_help=True)
user_app = typer.Typer(help="Manage user accounts and their roles.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)


def _cli_actor() -> Actor:
    return Actor(user_id=None, username=f"cli:{getpass.getuser()}", role="admin")


def _migrated_engine(url: str | None) -> Engine:
    from sqlalchemy.engine import make_url

    resolved = make_url(database_url(url))
    file = resolved.database if resolved.drivername.startswith("sqlite") else None
    if file not in (None, "", ":memory:") and not Path(str(file)).is_file():
        # SQLite would create an empty file here; refuse instead of leaving one behind.
        raise fail(f"{database_url(url)}: no such database file: run `cartrial db init` first")
    engine = make_engine(url)
    if current_revision(engine) is None:
        raise fail(f"{database_url(url)} has no trial schema: run `cartrial db init` first")
    return engine


@db_app.command("init")
@handle_errors
def db_init(url: Url = None) -> None:
    """Create the schema in a new, empty database (migrations to the head revision)."""
    engine = make_engine(url)
    if current_revision(engine) is not None or inspect(engine).get_table_names():
        raise fail(f"{database_url(url)} is not empty: use `cartrial db upgrade`")
    revision = upgrade(engine)
    typer.echo(f"initialised {database_url(url)} at revision {revision}")


@db_app.command("upgrade")
@handle_errors
def db_upgrade(url: Url = None) -> None:
    """Apply the migrations a database does not have yet."""
    engine = _migrated_engine(url)
    before = current_revision(engine)
    revision = upgrade(engine)
    said = "already at" if before == revision else f"upgraded from {before} to"
    typer.echo(f"{database_url(url)}: {said} revision {revision} (head {head_revision()})")


@db_app.command("grant-app-role")
@handle_errors
def db_grant_app_role(
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="the database, connecting as its owner (who ran the migrations)"
        ),
    ] = None,
    role: Annotated[
        str, typer.Option("--role", help="the application's role, created when missing")
    ] = "cartrial_app",
    login: Annotated[
        bool, typer.Option("--login/--no-login", help="whether the role may log in itself")
    ] = True,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="CARTRIAL_APP_ROLE_PASSWORD",
            help="the role's password (read from $CARTRIAL_APP_ROLE_PASSWORD; kept as set)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create or update the least-privileged PostgreSQL role the application runs as.

    It may read, insert and update trial rows, only insert audit entries and signatures,
    and nothing more: no DELETE, TRUNCATE, ALTER, DROP, or disabling of triggers. Run it
    again after every `cartrial db upgrade` (new tables get their grants then).
    """
    from cartrial.store.app_role import grant_app_role

    engine = _migrated_engine(url)
    try:
        granted = grant_app_role(engine, role, login=login, password=password)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    finally:
        engine.dispose()
    typer.echo(granted.describe())


TimeZone = Annotated[
    str,
    typer.Option(
        "--time-zone",
        help="IANA time zone of the site's clock, e.g. Asia/Shanghai (study days count on it)",
    ),
]


def _verified(url: str) -> tuple[bool, str]:
    """The audit chain and the replay of ``url``: (all good, what was found)."""
    from cartrial.store.audit_replay import replay_trail

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            chain = verify_chain(session)
            replay = replay_trail(session) if chain.is_intact else None
    finally:
        engine.dispose()
    lines = [chain.describe()] + ([replay.describe()] if replay is not None else [])
    return chain.is_intact and replay is not None and replay.matches, "\n".join(lines)


@db_app.command("backup")
@handle_errors
def db_backup(
    out: Annotated[Path, typer.Option("--out", help="the backup file to write (new)")],
    url: Url = None,
) -> None:
    """A consistent copy of the database (SQLite online backup; pg_dump), then verified."""
    from cartrial.store.backup import backup_database

    resolved = database_url(url)
    _migrated_engine(url).dispose()
    ok, found = _verified(resolved)
    if not ok:
        raise fail(f"the database does not verify; no backup written:\n{found}")
    result = backup_database(resolved, out)
    if result.kind == "sqlite":
        ok, found = _verified(f"sqlite:///{out}")
        if not ok:
            out.unlink()
            raise fail(f"the backup does not verify and was removed:\n{found}")
    typer.echo(
        f"backup {out} ({result.kind}, {result.size_bytes:,} bytes) of a database where\n{found}"
    )


@db_app.command("restore")
@handle_errors
def db_restore(
    backup: Annotated[Path, typer.Argument(help="a file written by `cartrial db backup`")],
    url: Url = None,
) -> None:
    """Restore a backup into a new database, then verify its chain and its tables."""
    from cartrial.store.backup import restore_database

    resolved = database_url(url)
    restore_database(backup, resolved)
    ok, found = _verified(resolved)
    if not ok:
        if resolved.startswith("sqlite"):
            Path(make_url_database(resolved)).unlink(missing_ok=True)
        raise fail(f"the restored database does not verify (removed where it was a file):\n{found}")
    typer.echo(f"restored {backup} into {resolved}:\n{found}")


def make_url_database(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)


@site_app.command("add")
@handle_errors
def site_add(
    code: Annotated[str, typer.Argument(help="short site code, letters and digits")],
    name: Annotated[str, typer.Argument(help="the site's name")],
    time_zone: TimeZone,
    url: Url = None,
) -> None:
    """Register a site with its time zone (required: day 0 is the site's calendar day)."""
    sessions = make_sessionmaker(_migrated_engine(url))
    admin.create_site(sessions, actor=_cli_actor(), code=code, name=name, time_zone=time_zone)
    typer.echo(f"site {code} added ({time_zone})")


@site_app.command("set-time-zone")
@handle_errors
def site_set_time_zone(
    code: Annotated[str, typer.Argument(help="the site's code")],
    time_zone: Annotated[str, typer.Argument(help="IANA time zone, e.g. Europe/Paris")],
    reason: Annotated[str, typer.Option("--reason", help="why it changes (audit trail)")],
    url: Url = None,
) -> None:
    """Correct a site's time zone (an audited change; stored UTC times stay as they are)."""
    sessions = make_sessionmaker(_migrated_engine(url))
    site = admin.set_site_time_zone(
        sessions, actor=_cli_actor(), code=code, time_zone=time_zone, reason=reason
    )
    typer.echo(f"site {code} now on {site.time_zone}")


def _parse_grant(text: str, name: str = "--role") -> tuple[str, str | None]:
    role, _, site = text.partition("@")
    if role not in ROLES:
        raise fail(
            f"{name} {text!r}: expected ROLE or ROLE@SITE with ROLE one of {', '.join(ROLES)}"
        )
    return role, site or None


def _grant_shown(role: str, site: str | None) -> str:
    return f"{role}@{site}" if site else f"{role} (all sites)"


@user_app.command("add")
@handle_errors
def user_add(
    username: Annotated[str, typer.Argument(help="unique login name, never reused")],
    name: Annotated[str, typer.Option("--name", help="printed name shown on signatures")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="ROLE@SITE, or ROLE alone for sponsor-wide; repeatable"),
    ],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="at least 12 characters (prompted when left out)",
        ),
    ],
    url: Url = None,
) -> None:
    """Create a user account with its role grants (argon2id password hash)."""
    sessions = make_sessionmaker(_migrated_engine(url))
    grants = [_parse_grant(r) for r in role]
    admin.add_user(
        sessions,
        actor=_cli_actor(),
        username=username,
        full_name=name,
        password=password,
        roles=grants,
    )
    shown = ", ".join(_grant_shown(r, s) for r, s in grants)
    typer.echo(f"user {username} added: {shown}")


UserName = Annotated[str, typer.Argument(help="the user's login name")]
GrantArg = Annotated[
    str, typer.Argument(metavar="ROLE@SITE", help="ROLE@SITE, or ROLE alone for sponsor-wide")
]
Reason = Annotated[str, typer.Option("--reason", help="why (kept in the audit trail)")]


@user_app.command("grant")
@handle_errors
def user_grant(username: UserName, grant: GrantArg, url: Url = None) -> None:
    """Grant an existing user a role at a site, or sponsor-wide (21 CFR 11.10(g))."""
    role, site = _parse_grant(grant, "ROLE@SITE")
    sessions = make_sessionmaker(_migrated_engine(url))
    admin.grant_role(sessions, actor=_cli_actor(), username=username, role=role, site_code=site)
    typer.echo(f"user {username} granted {_grant_shown(role, site)}")


@user_app.command("revoke")
@handle_errors
def user_revoke(username: UserName, grant: GrantArg, reason: Reason, url: Url = None) -> None:
    """Revoke a grant: kept with its revocation time, who and why audited; its sessions end."""
    role, site = _parse_grant(grant, "ROLE@SITE")
    sessions = make_sessionmaker(_migrated_engine(url))
    view = admin.revoke_role(
        sessions, actor=_cli_actor(), username=username, role=role, site_code=site, reason=reason
    )
    when = view.revoked_at.isoformat() if view.revoked_at else "now"
    typer.echo(f"user {username}: {_grant_shown(role, site)} revoked at {when}")


@user_app.command("deactivate")
@handle_errors
def user_deactivate(username: UserName, reason: Reason, url: Url = None) -> None:
    """Deactivate an account (never deleted, name never reused); its sessions and tokens end."""
    sessions = make_sessionmaker(_migrated_engine(url))
    admin.deactivate_user(sessions, actor=_cli_actor(), username=username, reason=reason)
    typer.echo(f"user {username} deactivated")


@user_app.command("unlock")
@handle_errors
def user_unlock(username: UserName, reason: Reason, url: Url = None) -> None:
    """Lift a login lock at once after identity was checked (locks also expire by themselves)."""
    sessions = make_sessionmaker(_migrated_engine(url))
    admin.unlock_user(sessions, actor=_cli_actor(), username=username, reason=reason)
    typer.echo(f"user {username} unlocked")


@user_app.command("reset-password")
@handle_errors
def user_reset_password(
    username: UserName,
    reason: Reason,
    password: Annotated[
        str,
        typer.Option(
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
            help="the new password, at least 12 characters (prompted when left out)",
        ),
    ],
    url: Url = None,
) -> None:
    """Set a user's password (audited); their sessions end and API tokens are revoked."""
    sessions = make_sessionmaker(_migrated_engine(url))
    admin.reset_password(
        sessions, actor=_cli_actor(), username=username, new_password=password, reason=reason
    )
    typer.echo(f"user {username}: password reset; sessions ended and API tokens revoked")


@user_app.command("revoke-tokens")
@handle_errors
def user_revoke_tokens(username: UserName, reason: Reason, url: Url = None) -> None:
    """Revoke every API token of a user at once (audited)."""
    sessions = make_sessionmaker(_migrated_engine(url))
    count = admin.revoke_user_tokens(sessions, actor=_cli_actor(), username=username, reason=reason)
    typer.echo(f"user {username}: {count} API token(s) revoked")


@audit_app.command("verify")
@handle_errors
def audit_verify(
    url: Url = None,
    checkpoints: Annotated[
        Path | None, typer.Option("--checkpoints", help="a directory of signed checkpoints")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="the checkpoints' Ed25519 public key")
    ] = None,
) -> None:
    """Recompute the hash chain and replay the trail against every table; exit 1 on a fault.

    The chain shows the trail was not edited; the replay shows no table was changed without
    an entry in it (direct SQL), naming table, record, field and both values; signed
    checkpoints (``--checkpoints``) show the trail was not cut short or rewritten at its end.
    """
    from cartrial.store.audit_replay import replay_trail
    from cartrial.store.checkpoints import CheckpointProblem, verify_checkpoints

    if (checkpoints is None) != (public_key is None):
        raise fail("--checkpoints and --public-key go together")
    sessions = make_sessionmaker(_migrated_engine(url))
    problems: list[CheckpointProblem] = []
    checked = 0
    with sessions() as session:
        report = verify_chain(session)
        replay = replay_trail(session) if report.is_intact else None
        if checkpoints is not None and public_key is not None:
            checked, problems = verify_checkpoints(session, public_key, checkpoints)
    typer.echo(report.describe())
    if replay is not None:
        typer.echo(replay.describe())
    if checkpoints is not None:
        if problems:
            typer.echo(f"{len(problems)} of {checked} signed checkpoints fail:")
            for problem in problems:
                typer.echo(f"  {problem.describe()}")
        else:
            typer.echo(f"{checked} signed checkpoints match the trail")
    if not report.is_intact or (replay is not None and not replay.matches) or problems:
        raise typer.Exit(1)


@audit_app.command("keygen")
@handle_errors
def audit_keygen(
    private_key: Annotated[Path, typer.Option("--private-key", help="new private key file")],
    public_key: Annotated[Path, typer.Option("--public-key", help="new public key file")],
) -> None:
    """Make the Ed25519 key pair that signs checkpoints (keep the private key off the server)."""
    from cartrial.store.checkpoints import generate_keys

    generate_keys(private_key, public_key)
    typer.echo(f"private key {private_key} (mode 600), public key {public_key}")


@audit_app.command("checkpoint")
@handle_errors
def audit_checkpoint(
    key: Annotated[Path, typer.Option("--key", help="the Ed25519 private key (PEM)")],
    directory: Annotated[Path, typer.Option("--dir", help="where checkpoints are kept")],
    url: Url = None,
) -> None:
    """Sign the audit chain's head into a checkpoint file kept outside the database."""
    from cartrial.store.checkpoints import write_checkpoint

    sessions = make_sessionmaker(_migrated_engine(url))
    with sessions() as session:
        out = write_checkpoint(session, key, directory)
    typer.echo(f"checkpoint {out}")


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes (PostgreSQL for more than 1)")] = 1,
    threads: Annotated[
        int, typer.Option(min=1, help="request threads per worker (and its connection pool)")
    ] = 2,
    keep_alive_requests: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="requests per client connection before it is closed, which spreads clients "
            "over the workers [default: 100]",
        ),
    ] = None,
    ssl_certfile: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="TLS certificate chain (PEM): serve HTTPS itself"
        ),
    ] = None,
    ssl_keyfile: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="the certificate's private key (PEM)"),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="addresses of reverse proxies whose X-Forwarded-For/-Proto are believed "
            "(comma-separated, or *) [default: 127.0.0.1]",
        ),
    ] = None,
    max_body_bytes: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="largest request body accepted; a larger one is a 413 before it is read "
            "[default: 1048576]",
        ),
    ] = None,
    url: Url = None,
) -> None:
    """Serve the REST API under /api/v1 (OpenAPI at /api/v1/openapi.json).

    With ``--ssl-certfile``/``--ssl-keyfile`` uvicorn serves HTTPS and the session cookie
    is ``Secure``; behind a reverse proxy that terminates TLS, ``X-Forwarded-Proto`` from
    ``--forwarded-allow-ips`` does the same (docs/store.md, "Deployment behind a reverse
    proxy").
    """
    import os

    from cartrial.extras import MissingExtraError

    try:
        import uvicorn
    except ImportError as exc:
        raise fail(str(MissingExtraError("uvicorn"))) from exc

    tls = _tls_settings(ssl_certfile, ssl_keyfile)
    engine = _migrated_engine(url)
    if current_revision(engine) != head_revision():
        raise fail(
            f"{database_url(url)} is at revision {current_revision(engine)}, "
            f"not {head_revision()}: run `cartrial db upgrade` first"
        )
    if url:
        os.environ["CARTRIAL_DATABASE_URL"] = url
    os.environ["CARTRIAL_API_THREADS"] = str(threads)
    if keep_alive_requests is not None:
        os.environ["CARTRIAL_API_KEEP_ALIVE_REQUESTS"] = str(keep_alive_requests)
    if max_body_bytes is not None:
        os.environ["CARTRIAL_API_MAX_BODY_BYTES"] = str(max_body_bytes)
    if workers > 1 and database_url(url).startswith("sqlite"):
        raise fail("--workers above 1 needs PostgreSQL (SQLite has one writer)")
    uvicorn.run(
        "cartrial.web.api.serve:app",
        host=host,
        port=port,
        workers=workers,
        factory=True,
        log_level="warning",
        forwarded_allow_ips=forwarded_allow_ips,
        ssl_certfile=tls[0],
        ssl_keyfile=tls[1],
    )


def _tls_settings(certfile: Path | None, keyfile: Path | None) -> tuple[str | None, str | None]:
    """uvicorn's TLS settings, after checking the pair loads (exit 2 naming the file if not)."""
    import ssl

    if certfile is None and keyfile is None:
        return None, None
    if certfile is None or keyfile is None:
        raise fail("--ssl-certfile and --ssl-keyfile go together")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as exc:
        raise fail(
            f"--ssl-certfile {certfile} / --ssl-keyfile {keyfile}: expected a PEM certificate "
            f"and its private key ({exc})"
        ) from exc
    return str(certfile), str(keyfile)


@handle_errors
def export_data(
    out_dir: Annotated[Path, typer.Argument(help="folder for the JSON and CSV files")],
    url: Url = None,
) -> None:
    """Export all trial data, audit trail included, as JSON and CSV with a manifest (audited)."""
    manifest = export_database(_migrated_engine(url), out_dir, actor=_cli_actor(), source="cli")
    rows = sum(t["rows"] for t in manifest["tables"].values())
    typer.echo(f"exported {rows} rows from {len(manifest['tables'])} tables to {out_dir}")


@handle_errors
def import_data(
    in_dir: Annotated[Path, typer.Argument(help="a folder written by `cartrial export`")],
    url: Url = None,
) -> None:
    """Import an export into an empty database at the same revision; verify the audit chain."""
    report = import_database(_migrated_engine(url), in_dir)
    typer.echo(f"imported {in_dir}; {report.describe()}")
    if not report.is_intact:
        raise typer.Exit(1)
