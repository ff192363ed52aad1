"""Export all trial data (audit trail included) as JSON and CSV; import it back.

21 CFR 11.10(b) and Annex 11 section 8: accurate and complete copies in human
readable (CSV) and electronic (JSON) form; 11.10(c) / Annex 11 section 17:
archives in open formats. One JSON and one CSV file per table, and
``manifest.json`` with the schema revision, row counts, each file's SHA-256 and
the audit chain's last hash. Login sessions, API tokens and idempotency keys (stored
replies, :mod:`cartrial.store.idempotency`) are not exported;
password hashes are in the JSON only (needed to restore accounts), never in CSV.

Every table is read in one snapshot, so the files and the manifest's last audit
hash describe one committed state even while sites keep writing.

Import goes into an empty database at the same revision, table by table in
foreign-key order, bypassing the ORM so that records and audit entries arrive
exactly as exported; the audit chain is verified afterwards.

An export is itself audited (TRIAL_DATA.md section 1.6 row 5, ``export``): once
every file is written, one ``export`` entry (who, the whole database at which
revision and audit entry, where to, source ``cli`` or ``api``) is appended in a
short transaction of its own; the files hold the data as read, without it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, Engine, Integer, Numeric, Table, func, select

from cartrial.dates import parse_stored_date, parse_stored_datetime
from cartrial.errors import InputError
from cartrial.store.audit import (
    CHAIN_HEAD,
    Actor,
    ChainReport,
    canonical_text,
    record_export,
    verify_chain,
)
from cartrial.store.db import make_sessionmaker
from cartrial.store.migrate import current_revision
from cartrial.store.models import Base
from cartrial.store.models.base import UtcDateTime

__all__ = ["EXCLUDED_TABLES", "export_database", "import_database"]

EXCLUDED_TABLES = frozenset({"auth_session", "api_token", "idempotency_key"})
CSV_HIDDEN_COLUMNS = frozenset({"password_hash"})


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in EXCLUDED_TABLES]


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return canonical_text(value)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_database(engine: Engine, out_dir: Path, *, actor: Actor, source: str) -> dict[str, Any]:
    """Write every table to ``out_dir`` and return the manifest (also written).

    Then the ``export`` audit entry of ``actor`` with ``source`` (module doc).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"revision": current_revision(engine), "tables": {}}
    # One snapshot for every table (11.10(b): an accurate copy): on PostgreSQL a
    # read-only REPEATABLE READ transaction; SQLite's BEGIN IMMEDIATE (store.db)
    # already holds every writer off until the export has read everything.
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**options) as conn:
        for table in _tables():
            order = list(table.primary_key.columns)
            rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(*order))]
            json_path = out_dir / f"{table.name}.json"
            json_path.write_text(
                json.dumps(
                    [{k: _json_value(v) for k, v in r.items()} for r in rows],
                    indent=1,
                    ensure_ascii=False,
                    allow_nan=False,
                ),
                encoding="utf-8",
            )
            csv_path = out_dir / f"{table.name}.csv"
            columns = [c.name for c in table.columns if c.name not in CSV_HIDDEN_COLUMNS]
            with csv_path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                for r in rows:
                    writer.writerow(["" if r[c] is None else canonical_text(r[c]) for c in columns])
            manifest["tables"][table.name] = {
                "rows": len(rows),
                "json_sha256": _sha256(json_path),
                "csv_sha256": _sha256(csv_path),
            }
        head = conn.execute(CHAIN_HEAD).first()
        last = head[1] if head else None
    manifest["audit_last_sha256"] = last
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=1, allow_nan=False), encoding="utf-8"
    )
    tables = manifest["tables"]
    rows = sum(t["rows"] for t in tables.values())
    with make_sessionmaker(engine)() as session, session.begin():
        session.info["actor"] = actor
        record_export(
            session,
            table_name="database",
            record_id="-",
            field="export",
            what=(
                f"whole database at revision {manifest['revision']} as of audit entry "
                f"{tables['audit_entry']['rows']}: {rows} row(s) of {len(tables)} table(s) "
                f"to {out_dir.resolve()}"
            ),
            source=source,
        )
    return manifest


def _python_value(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    kind = table.c[column].type
    # Older versions wrote years before 1000 unpadded (cartrial.dates): read both.
    if isinstance(kind, UtcDateTime):
        return parse_stored_datetime(str(value))
    if isinstance(kind, Date):
        return parse_stored_date(str(value))
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Integer):
        return int(value)
    if isinstance(kind, Numeric):
        return Decimal(str(value))
    return value


def import_database(engine: Engine, in_dir: Path) -> ChainReport:
    """Load an export into an empty database at the same revision; verify the chain."""
    manifest = json.loads((in_dir / "manifest.json").read_text(encoding="utf-8"))
    if manifest["revision"] != current_revision(engine):
        raise InputError(
            "revision", manifest["revision"], f"the database's revision {current_revision(engine)}"
        )
    with engine.begin() as conn:
        for table in _tables():
            if conn.execute(select(func.count()).select_from(table)).scalar():
                raise InputError("database", table.name, "an empty database to import into")
        for table in _tables():
            path = in_dir / f"{table.name}.json"
            expected = manifest["tables"][table.name]["json_sha256"]
            if _sha256(path) != expected:
                raise InputError(
                    path.name, "(changed file)", f"the SHA-256 {expected} in manifest.json"
                )
            rows = json.loads(path.read_text(encoding="utf-8"))
            if rows:
                conn.execute(
                    table.insert(),
                    [{k: _python_value(table, k, v) for k, v in row.items()} for row in rows],
                )
    with make_sessionmaker(engine)() as session:
        return verify_chain(session)
