"""Escalation decisions are stored in the escalation engine's own words (issue 12; revision 0008).

The engine says escalate, stay, de-escalate, expand, stop, wait
(``cartrial.escalation.base.Action``); a committee signs that word, and the
store keeps it without translation. Decisions stored before 0008 as
``deescalate`` are kept as signed; a downgrade that would have to rewrite a
signed word is refused.
"""

from __future__ import annotations

from typing import get_args

import pytest
from sqlalchemy import Engine, select

from cartrial.errors import InputError
from cartrial.escalation.base import Action
from cartrial.escalation.engine import NextDecision
from cartrial.services import safety
from cartrial.services.context import Sessions
from cartrial.store import make_sessionmaker
from cartrial.store.migrate import current_revision, downgrade
from cartrial.store.models import EscalationDecision, Signature
from cartrial.store.signatures import signature_status
from cartrial.vocabulary import ESCALATION_ACTIONS
from cartrial.web.api.schemas import EscalationIn
from tests.store.trial import PASSWORD, World, build_world


def _decide(world: World, action: str) -> EscalationDecision:
    return safety.record_escalation_decision(
        world.sessions,
        actor=world.actors["safety_committee"],
        protocol_id="szugh-msln-2024",
        outcome=safety.EscalationOutcome(
            current_level=2,
            action=action,
            next_level=1 if action != "expand" else 2,
            reason=f"engine: {action}",
            engine_version="cartrial.escalation (3+3)",
        ),
        password=PASSWORD,
    )


def test_one_vocabulary_for_the_engine_the_store_and_the_api() -> None:
    words = ("escalate", "stay", "de-escalate", "expand", "stop", "wait")
    assert words == ESCALATION_ACTIONS
    assert tuple(a.label for a in Action) == words
    assert get_args(NextDecision.model_fields["action"].annotation) == words
    assert get_args(EscalationIn.model_fields["action"].annotation) == words


@pytest.mark.parametrize("action", ["de-escalate", "expand"])
def test_the_engines_word_is_stored_as_said_and_its_signature_holds(
    sessions: Sessions, action: str
) -> None:
    world = build_world(sessions)
    decision = _decide(world, action)
    with sessions() as s:
        stored = s.get(EscalationDecision, decision.id)
        assert stored is not None and stored.action == action
        signature = s.scalars(select(Signature).where(Signature.record_id == decision.id)).one()
        assert signature_status(s, signature).is_valid


def test_the_old_spelling_is_refused_for_a_new_decision(sessions: Sessions) -> None:
    world = build_world(sessions)
    with pytest.raises(InputError) as refused:
        _decide(world, "deescalate")
    assert (refused.value.field, refused.value.value) == ("action", "deescalate")


def test_a_downgrade_that_would_rewrite_a_signed_word_is_refused(engine: Engine) -> None:
    world = build_world(make_sessionmaker(engine))
    decision = _decide(world, "de-escalate")
    with pytest.raises(InputError) as refused:
        downgrade(engine, "0007")
    assert refused.value.field == "escalation_decision.action"
    assert refused.value.value == "de-escalate"
    assert decision.id in refused.value.expected
    assert current_revision(engine) == "0010"


def test_a_decision_stored_before_0008_keeps_its_word_through_the_upgrade(engine: Engine) -> None:
    from sqlalchemy import text

    from cartrial.store.migrate import upgrade

    assert downgrade(engine, "0007") == "0007"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO escalation_decision (id, version, protocol_id, current_level, "
                "action, next_level, reason, engine_version, decided_at) VALUES ('d1', 1, "
                "'uclm802', 2, 'deescalate', 1, '2 DLTs in 3', 'cartrial.escalation', "
                "'2026-03-01 09:00:00')"
            )
        )
    assert upgrade(engine) == "0010"
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT action FROM escalation_decision WHERE id = 'd1'"))
        assert kept.scalar_one() == "deescalate"
    assert downgrade(engine, "0007") == "0007"  # only 0007's words are stored: allowed
