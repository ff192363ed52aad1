"""The trial database: typed records, audit trail, accounts and signatures.

SQLAlchemy 2 models (:mod:`cartrial.store.models`), schema only from the bundled
Alembic migrations (:mod:`cartrial.store.migrate`), the audit trail written at
every flush (:mod:`cartrial.store.audit`), accounts (:mod:`cartrial.store.accounts`)
and e-signatures (:mod:`cartrial.store.signatures`). See docs/store.md.
"""

from cartrial.actor import Actor
from cartrial.store.audit import ChainReport, verify_chain
from cartrial.store.db import DEFAULT_URL, database_url, make_engine, make_sessionmaker
from cartrial.store.migrate import upgrade

__all__ = [
    "DEFAULT_URL",
    "Actor",
    "ChainReport",
    "database_url",
    "make_engine",
    "make_sessionmaker",
    "upgrade",
    "verify_chain",
]
