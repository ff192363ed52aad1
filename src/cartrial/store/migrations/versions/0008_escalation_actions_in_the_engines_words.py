"""Escalation decisions are stored in the escalation engine's own words.

The engine says ``escalate``, ``stay``, ``de-escalate``, ``expand``, ``stop`` or
``wait`` (``cartrial.escalation.engine.NextDecision.action``); the store allowed
``escalate, stay, deescalate, wait, stop``, so the simulator translated
(``de-escalate`` -> ``deescalate``, ``expand`` -> ``stay``, losing the difference
between "more patients at this level" and "stay"). The CHECK constraint on
``escalation_decision.action`` now allows the engine's six words
(``cartrial.vocabulary.ESCALATION_ACTIONS``).

Decisions already stored with ``deescalate`` are NOT rewritten: each is signed
by the safety committee, and the signature is bound to the record's content
(21 CFR 11.70; ``cartrial.store.signatures``): rewriting the word would show
every such signature as invalidated and make the record differ from its audit
trail. The old spelling stays allowed for those rows
(``cartrial.vocabulary.LEGACY_ESCALATION_ACTIONS``); the services accept only the
engine's words for new decisions.

On SQLite the table is rebuilt (batch mode), so its DELETE-refusing trigger is
made again. The downgrade refuses, naming the record and the value, when a
decision uses a word revision 0007 did not allow (``de-escalate``, ``expand``):
rewriting it would invalidate its signature; nothing is changed.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cartrial.errors import InputError

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_NAME = "ck_escalation_decision_action"
_OLD = ("escalate", "stay", "deescalate", "wait", "stop")
_NEW = ("escalate", "stay", "de-escalate", "expand", "stop", "wait", "deescalate")


def _in(values: tuple[str, ...]) -> str:
    return "action IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _check(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("escalation_decision") as batch:
        batch.drop_constraint(op.f(_NAME), type_="check")
        batch.create_check_constraint(op.f(_NAME), _in(values))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS escalation_decision_no_delete")
        op.execute(
            "CREATE TRIGGER escalation_decision_no_delete BEFORE DELETE ON escalation_decision "
            "BEGIN SELECT RAISE(ABORT, 'cartrial: DELETE on escalation_decision is refused: "
            "records are kept (21 CFR 11.10(c), (e))'); END"
        )


def upgrade() -> None:
    _check(_NEW)


def downgrade() -> None:
    newer = sa.text(
        "SELECT id, action FROM escalation_decision WHERE action NOT IN ("
        + ", ".join(f"'{v}'" for v in _OLD)
        + ") ORDER BY id"
    )
    rows = op.get_bind().execute(newer).all()
    if rows:
        record_id, action = rows[0]
        raise InputError(
            "escalation_decision.action",
            action,
            f"one of {', '.join(_OLD)}, the words revision {down_revision} allows "
            f"({len(rows)} decision(s) in the engine's words, first {record_id}; each is "
            "signed, and rewriting it would invalidate the signature): downgrade refused, "
            "nothing changed",
        )
    _check(_OLD)
