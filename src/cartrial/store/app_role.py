"""The least-privileged PostgreSQL role the application runs as (issue 14).

Two roles, as a well-run PostgreSQL installation keeps them: the **owner** role
owns the schema, runs ``cartrial db init`` / ``db upgrade`` (the migrations) and
``db grant-app-role``; the **application** role is what ``cartrial serve`` and the
other day-to-day commands connect as. The application role gets only

* ``CONNECT`` on the database and ``USAGE`` on the schema (no ``CREATE``);
* ``SELECT, INSERT, UPDATE`` on the trial tables, and ``SELECT, INSERT`` only on the
  append-only tables (:data:`APPEND_ONLY`: the audit trail and signatures);
* ``SELECT`` on ``alembic_version`` (the revision check before serving);
* ``USAGE, SELECT`` on the schema's sequences.

* ``DELETE`` as well only on :data:`PURGEABLE`: ``idempotency_key``, the stored
  replies to keyed POSTs, which are not trial data and expire after 24 h
  (:mod:`cartrial.store.idempotency`).

No other ``DELETE`` (the application deletes no trial row: records are kept, 21 CFR
11.10(c), (e); sessions and tokens end by their ``ended_at``/``revoked_at`` columns), no
``TRUNCATE``, ``REFERENCES`` or ``TRIGGER``, and, not being the owner nor a superuser,
it cannot ``ALTER``/``DROP`` a table, ``DISABLE TRIGGER`` or ``SET
session_replication_role`` (PostgreSQL 15 manual, 5.8 "Privileges": only an object's
owner or a superuser may alter or drop it; 20.11 ``session_replication_role`` is a
superuser setting). That is the least-privilege principle of 21 CFR 11.10(d) ("limiting
system access to authorized individuals") and EU GMP Annex 11 section 12.1, applied to
the database account; the triggers of revisions 0001 and 0009 stay the second wall.

Tables added by a later migration get no grant until the command runs again, so the
documented order is ``db upgrade`` then ``db grant-app-role`` (both as the owner).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, text

__all__ = ["APPEND_ONLY", "PURGEABLE", "ROLE_NAME", "AppRoleGrants", "grant_app_role"]

#: Tables whose rows are never changed once written: INSERT and SELECT only.
APPEND_ONLY = frozenset({"audit_entry", "signature"})

#: A role name the command accepts: a plain lower-case PostgreSQL identifier.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

_READ_ONLY = frozenset({"alembic_version"})

#: Tables the application purges (not trial data): SELECT, INSERT, UPDATE, DELETE.
PURGEABLE = frozenset({"idempotency_key"})


@dataclass(frozen=True)
class AppRoleGrants:
    """What :func:`grant_app_role` granted."""

    role: str
    created: bool
    login: bool
    read_write: tuple[str, ...]
    append_only: tuple[str, ...]
    read_only: tuple[str, ...]
    sequences: int

    def describe(self) -> str:
        said = "created" if self.created else "updated"
        login = "LOGIN" if self.login else "NOLOGIN"
        return (
            f"role {self.role} {said} ({login}): SELECT, INSERT, UPDATE on "
            f"{len(self.read_write)} tables; SELECT, INSERT on {', '.join(self.append_only)}; "
            f"SELECT on {', '.join(self.read_only) or 'nothing else'}; "
            f"{self.sequences} sequences; DELETE only on "
            f"{', '.join(sorted(PURGEABLE & set(self.read_write))) or 'nothing'} "
            "(expiring, not trial data); no TRUNCATE, ALTER or DROP"
        )


def grant_app_role(
    engine: Engine, role: str, *, login: bool = True, password: str | None = None
) -> AppRoleGrants:
    """Create or update ``role`` with the application's privileges on ``engine``'s schema.

    ``engine`` connects as the owner of the schema (the role that ran the migrations).
    Privileges the role held before are revoked first, so running it again after a
    migration leaves exactly the documented set. Raises :class:`ValueError` on a role name
    that is not a plain identifier, on the owner's own role, and on a database that is not
    PostgreSQL.
    """
    from psycopg import sql

    if engine.dialect.name != "postgresql":
        raise ValueError(
            f"an application role needs PostgreSQL; {engine.url.render_as_string()} is "
            f"{engine.dialect.name} (a SQLite file is guarded by file permissions)"
        )
    if ROLE_NAME.fullmatch(role) is None:
        raise ValueError(
            f"--role {role!r}: expected a lower-case identifier (letters, digits, _), "
            "at most 63 characters"
        )
    ident = sql.Identifier(role)
    with engine.begin() as conn:

        def run(statement: sql.Composable) -> None:
            # psycopg runs a composed statement itself (identifiers and the password quoted).
            cursor = conn.connection.cursor()
            try:
                cursor.execute(statement)
            finally:
                cursor.close()

        owner = conn.execute(text("SELECT current_user")).scalar_one()
        if owner == role:
            raise ValueError(
                f"--role {role!r} is the role this command connects as (the owner): "
                "the application role must be another"
            )
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        if schema is None:
            raise ValueError("the connection has no current schema (check its search_path)")
        created = (
            conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
            is None
        )
        can_login = sql.SQL("LOGIN" if login else "NOLOGIN")
        if created:
            limits = sql.SQL("NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
            run(sql.SQL("CREATE ROLE {} {} {}").format(ident, can_login, limits))
        else:
            powers = conn.execute(
                text(
                    "SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb "
                    "OR rolreplication OR pg_has_role(rolname, current_user, 'MEMBER') "
                    "FROM pg_roles WHERE rolname = :r"
                ),
                {"r": role},
            ).scalar_one()
            if powers:
                raise ValueError(
                    f"--role {role!r} exists with SUPERUSER, BYPASSRLS, CREATEROLE, CREATEDB "
                    "or REPLICATION, or is a member of the owner: it cannot be the application "
                    "role; name another"
                )
            run(sql.SQL("ALTER ROLE {} {}").format(ident, can_login))
        if password is not None:
            run(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password)))
        tables = sorted(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
                {"s": schema},
            ).scalars()
        )
        sequences = list(
            conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
                {"s": schema},
            ).scalars()
        )
        schema_id = sql.Identifier(schema)
        run(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident))
        run(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(schema_id, ident))
        run(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, ident))
        run(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_id, ident))
        run(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema_id, ident))
        read_write: list[str] = []
        append_only: list[str] = []
        read_only: list[str] = []
        for table in tables:
            if table in _READ_ONLY:
                rights, bucket = "SELECT", read_only
            elif table in APPEND_ONLY:
                rights, bucket = "SELECT, INSERT", append_only
            elif table in PURGEABLE:
                rights, bucket = "SELECT, INSERT, UPDATE, DELETE", read_write
            else:
                rights, bucket = "SELECT, INSERT, UPDATE", read_write
            run(
                sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                    sql.SQL(rights), sql.Identifier(schema, table), ident
                )
            )
            bucket.append(table)
        for sequence in sequences:
            run(
                sql.SQL("GRANT USAGE, SELECT ON SEQUENCE {} TO {}").format(
                    sql.Identifier(schema, sequence), ident
                )
            )
    return AppRoleGrants(
        role=role,
        created=created,
        login=login,
        read_write=tuple(read_write),
        append_only=tuple(append_only),
        read_only=tuple(read_only),
        sequences=len(sequences),
    )
