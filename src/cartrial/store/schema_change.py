"""Run schema changes the way SQLite documents them: foreign keys off, checked before commit.

SQLite's ALTER TABLE cannot change a column's type or drop a column that other
things depend on; Alembic's batch mode does it the way SQLite's documentation
describes (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of
Table Schema Changes"): create the new table, copy the rows, drop the old table,
rename the new one. With ``PRAGMA foreign_keys=ON`` (every connection of
:func:`cartrial.store.db.make_engine`) dropping a table that other rows refer to
fails ("FOREIGN KEY constraint failed"), so the same page prescribes:

1. ``PRAGMA foreign_keys=OFF``, *outside* any transaction (inside one the pragma
   is a no-op: https://www.sqlite.org/pragma.html#pragma_foreign_keys);
2. ``BEGIN``; the schema changes;
3. ``PRAGMA foreign_key_check``: a row whose parent is missing fails the change,
   which is rolled back, naming the table, the column and the parent table;
4. ``COMMIT``;
5. ``PRAGMA foreign_keys=ON`` again (in ``finally``: the pooled connection never
   goes back with foreign keys off).

:func:`schema_change` wraps every migration run (the migrations' ``env.py``),
so present and future migrations all get it. On SQLite the connection handed
in must have no transaction begun, else the change is refused before anything
runs. PostgreSQL checks foreign keys through DDL itself and needs no pragma;
there the migrations run in the caller's transaction when one is open, else in
one of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from cartrial.errors import MigrationError

__all__ = ["check_foreign_keys", "schema_change"]


def _foreign_keys_on(driver: Any) -> bool:
    return bool(driver.execute("PRAGMA foreign_keys").fetchone()[0])


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_foreign_keys(connection: Connection, *, target: str) -> None:
    """Step 3: ``PRAGMA foreign_key_check``; a row without its parent is a :class:`MigrationError`.

    The message names each child table with the referring column, the parent
    table and the rowids of the orphaned rows (at most five shown).
    """
    found = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if not found:
        return
    orphans: dict[tuple[str, str, int], list[int | None]] = defaultdict(list)
    for table, rowid, parent, fk_id in found:
        orphans[(str(table), str(parent), int(fk_id))].append(rowid)
    parts = []
    for (table, parent, fk_id), rowids in sorted(orphans.items()):
        fk_rows = connection.exec_driver_sql(
            f"PRAGMA foreign_key_list({_quoted(table)})"
        ).fetchall()
        columns = ", ".join(str(row[3]) for row in fk_rows if int(row[0]) == fk_id) or "?"
        shown = ", ".join("-" if r is None else str(r) for r in rowids[:5])
        more = f" and {len(rowids) - 5} more" if len(rowids) > 5 else ""
        parts.append(
            f"table {table!r}: {len(rowids)} row(s) whose {columns} refers to a missing row "
            f"of {parent!r} (rowid {shown}{more})"
        )
    raise MigrationError(
        f"migration to revision {target} refused: PRAGMA foreign_key_check found "
        + "; ".join(parts)
        + "; the migration was rolled back, nothing was changed"
    )


@contextmanager
def schema_change(connection: Connection, *, target: str) -> Iterator[None]:
    """Steps 1-5 of the module doc around the body (the migrations); ``target`` names them."""
    if connection.dialect.name != "sqlite":
        if connection.in_transaction():
            yield
            return
        with connection.begin():
            yield
        return
    if connection.in_transaction():
        raise MigrationError(
            f"migration to revision {target} refused: on SQLite it needs a connection with no "
            "transaction begun, because foreign keys can only be switched off outside one "
            "(https://www.sqlite.org/lang_altertable.html); use cartrial.store.migrate.upgrade "
            "or downgrade"
        )
    driver: Any = connection.connection.driver_connection
    was_on = _foreign_keys_on(driver)
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        if _foreign_keys_on(driver):
            raise MigrationError(
                f"migration to revision {target} refused: PRAGMA foreign_keys=OFF did not "
                "take effect (a transaction is open on the connection)"
            )
        with connection.begin():
            yield
            check_foreign_keys(connection, target=target)
    finally:
        if was_on:
            driver.execute("PRAGMA foreign_keys=ON")
