"""One wiring of the escalation engine under a protocol, for the CLI and the services (issue 12).

``cartrial escalation next --protocol`` and ``services.enrolment.engine_decision``
both call :func:`cartrial.escalation.decide_for_protocol`; a protocol without a
DLT window is refused by both, naming ``protocol.dlt`` (the CLI used to assume
28 days, the services refused).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import InputError
from cartrial.escalation import PatientOutcome, decide_for_protocol
from cartrial.protocol.load import load_protocol

SMALL = Path(__file__).parent.parent / "data" / "escalation_small_protocol.yaml"
runner = CliRunner()


def _without_dlt(tmp_path: Path) -> Path:
    text = SMALL.read_text(encoding="utf-8")
    path = tmp_path / "no-dlt.yaml"
    path.write_text(text[: text.index("\ndlt:")] + "\n", encoding="utf-8")
    return path


def _with_window(tmp_path: Path, days: int) -> Path:
    path = tmp_path / f"window-{days}.yaml"
    text = SMALL.read_text(encoding="utf-8").replace("window_days: 28", f"window_days: {days}")
    path.write_text(text, encoding="utf-8")
    return path


def _patients(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "patients.csv"
    path.write_text("subject,level,dlt,days_followed\n" + rows, encoding="utf-8")
    return path


def _next(protocol: Path, data: Path) -> Any:
    args = ["escalation", "next", "--protocol", str(protocol), "--data", str(data), "--json"]
    return runner.invoke(app, args)


def test_the_cli_refuses_a_protocol_without_a_dlt_window_naming_protocol_dlt(
    tmp_path: Path,
) -> None:
    result = _next(_without_dlt(tmp_path), _patients(tmp_path, "P1,1,no,28\n"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: field 'protocol.dlt': got None, expected a DLT section")
    assert "no default window is assumed" in result.stderr


def test_the_domain_function_refuses_the_same_way() -> None:
    protocol = load_protocol(str(SMALL)).protocol.model_copy(update={"dlt": None})
    with pytest.raises(InputError) as refused:
        decide_for_protocol(protocol, [])
    assert refused.value.field == "protocol.dlt"


def test_the_protocols_window_decides_pending(tmp_path: Path) -> None:
    # Accelerated titration, one patient at level 1 followed 30 days without a DLT:
    # DLT-free under a 28-day window (escalate to 2), pending under 42 days (wait).
    data = _patients(tmp_path, "P1,1,no,30\n")
    short = json.loads(_next(_with_window(tmp_path, 28), data).stdout)
    long = json.loads(_next(_with_window(tmp_path, 42), data).stdout)
    assert (short["action"], short["next_level"]) == ("escalate", 2)
    assert long["action"] == "wait"
    protocol = load_protocol(str(_with_window(tmp_path, 42))).protocol
    outcome = PatientOutcome(subject="P1", level=1, dlt="no", days_followed=30)
    assert decide_for_protocol(protocol, [outcome]).model_dump(mode="json") == long


def test_the_cli_and_the_services_call_the_one_wiring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cartrial.escalation.protocol_decision as wiring
    from cartrial.services.enrolment import engine_decision

    calls: list[str] = []
    real = wiring.decide_for_protocol

    def spy(protocol: Any, outcomes: Any, **kwargs: Any) -> Any:
        calls.append(protocol.id)
        return real(protocol, outcomes, **kwargs)

    monkeypatch.setattr(wiring, "decide_for_protocol", spy)
    monkeypatch.setattr("cartrial.cli.escalation.decide_for_protocol", spy)
    assert _next(SMALL, _patients(tmp_path, "P1,1,no,28\n")).exit_code == 0
    protocol = load_protocol(str(SMALL)).protocol.model_copy(update={"dlt": None})
    with pytest.raises(InputError):
        engine_decision(None, protocol)  # type: ignore[arg-type]  # refused before the store
    assert calls == ["esc-small", "esc-small"]
