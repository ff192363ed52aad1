"""docs/response.md cannot drift: every setting and every observation status is documented."""

from __future__ import annotations

import typing
from pathlib import Path

from cartrial.response.lesions import ObservationStatus
from cartrial.response.settings import ResponseSettings

DOC_DIR = Path(__file__).resolve().parents[2] / "docs"
DOC = (DOC_DIR / "response.md").read_text(encoding="utf-8")


def test_every_response_setting_is_documented() -> None:
    missing = [name for name in ResponseSettings.model_fields if f"`{name}`" not in DOC]
    assert missing == []


def test_every_observation_status_is_documented() -> None:
    missing = [
        s for s in typing.get_args(ObservationStatus) if s != "measured" and f"`{s}`" not in DOC
    ]
    assert missing == []


def test_every_response_command_is_documented() -> None:
    from cartrial.cli.response import response_app

    names = [c.name for c in response_app.registered_commands]
    assert sorted(names) == ["irecist", "mrecist", "recist", "summary"]  # type: ignore[type-var]
    missing = [n for n in names if f"cartrial response {n}" not in DOC]
    assert missing == []


def test_the_input_example_in_the_docs_is_valid() -> None:
    import json

    from cartrial.response.assess import assess_recist
    from cartrial.response.lesions import parse_subject

    block = DOC.split("```json\n", 1)[1].split("```", 1)[0]
    result = assess_recist(parse_subject(json.loads(block)))
    # 32 + 21 + 18 = 71 mm -> 20 + 5 (too small) + 9 = 34 mm (-52.1 %): PR, unconfirmed;
    # day 42 meets the SD minimum, so the unconfirmed PR counts as SD.
    assert [t.overall for t in result.timepoints] == ["PR"]
    assert result.best_overall_response.response == "SD"


def test_every_lesion_type_is_documented() -> None:
    from cartrial.response.lesions import LesionType

    missing = [t for t in typing.get_args(LesionType) if f"`{t}`" not in DOC]
    assert missing == []


def test_every_censoring_rule_is_documented_in_survival_md() -> None:
    from cartrial.survival.derive import CENSORING_RULES

    survival = (DOC_DIR / "survival.md").read_text(encoding="utf-8")
    assert [r for r in CENSORING_RULES if f"`{r}`" not in survival] == []
