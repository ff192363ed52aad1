"""The live decision engine (pending DLT windows) and the escalation commands."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.escalation.boin import Boin
from cartrial.escalation.crm import Crm
from cartrial.escalation.engine import PatientOutcome, decide_next
from cartrial.escalation.three_plus_three import ThreePlusThree

PROTOCOL = str(Path(__file__).parent.parent / "data" / "escalation_small_protocol.yaml")
runner = CliRunner()


def pts(*rows):
    return [PatientOutcome(level=lv, dlt=d, days_followed=days) for lv, d, days in rows]


def test_3plus3_waits_when_pending_outcome_decides_between_escalate_and_expand():
    got = decide_next(
        ThreePlusThree(n_levels=3),
        pts((1, "no", 28), (1, "no", 28), (1, "pending", 12)),
        window_days=28,
    )
    assert got.action == "wait"
    assert got.reason == (
        "wait: 1 patient(s) inside the 28-day DLT window (1 at level 1) and the decision "
        "depends on them; 0 DLTs in 1 pending at level 1: escalate to level 2; "
        "1 DLT in 1 pending at level 1: expand at level 1, per 3+3"
    )
    assert [a.action for a in got.alternatives] == ["escalate", "expand"]


def test_3plus3_completes_a_cohort_of_three_while_two_are_pending():
    """Storer 1989: three patients are treated at a level, then the rule is applied. Two
    patients at level 2 still inside their windows (0 DLTs known there) do not hold the
    third place of their cohort; a third pending patient fills it and then the engine
    waits (2 DLTs in 3 would de-escalate, 0 would escalate)."""
    done = [(1, "no", 28)] * 3
    got = decide_next(
        ThreePlusThree(n_levels=3),
        pts(*done, (2, "pending", 10), (2, "pending", 3)),
        window_days=28,
    )
    assert (got.action, got.next_level, got.cohort_size) == ("stay", 2, 1)
    assert got.reason.startswith("cohort at level 2 has 2 of 3 patients, all inside the")
    full = decide_next(
        ThreePlusThree(n_levels=3),
        pts(*done, (2, "pending", 10), (2, "pending", 3), (2, "pending", 1)),
        window_days=28,
    )
    assert full.action == "wait"


def test_3plus3_decides_when_no_pending_outcome_can_change_it():
    got = decide_next(
        ThreePlusThree(n_levels=3),
        pts(
            (1, "no", 28),
            (1, "no", 28),
            (1, "no", 28),
            (2, "yes", 5),
            (2, "yes", 9),
            (2, "pending", 3),
        ),
        window_days=28,
    )
    assert (got.action, got.next_level) == ("de-escalate", 1)
    assert got.reason == (
        "2 DLTs in 3 at level 2: MTD exceeded; de-escalate to level 1 (0 DLTs in 3) and treat "
        "3 more, per 3+3 (the 1 patient(s) inside the 28-day DLT window are counted as "
        "treated; no outcome of theirs changes this decision)"
    )


def test_no_dlt_with_follow_up_shorter_than_window_is_pending():
    got = decide_next(
        ThreePlusThree(n_levels=3), pts((1, "no", 28), (1, "no", 28), (1, "no", 27)), window_days=28
    )
    assert got.action == "wait" and got.pending == [1, 0, 0]


def test_boin_completes_an_incomplete_cohort_before_deciding():
    design = Boin(n_levels=3, target=0.3, max_sample_size=30)
    got = decide_next(design, pts((1, "no", 28), (1, "no", 28)), window_days=28)
    assert (got.action, got.next_level, got.cohort_size) == ("stay", 1, 1)
    assert got.reason == (
        "cohort at level 1 has 2 of 3 patients: treat 1 more at level 1 to complete it, per BOIN"
    )


def test_tite_crm_uses_weights_instead_of_waiting():
    design = Crm(n_levels=3, target=0.3, skeleton=(0.1, 0.2, 0.35))
    rows = pts((1, "no", 28), (1, "no", 28), (1, "no", 14))
    assert decide_next(design, rows, window_days=28).action == "wait"
    got = decide_next(design, rows, window_days=28, tite=True)
    assert got.action in ("escalate", "stay")
    assert "1 pending weighted" in got.reason


def test_level_outside_the_grid_is_refused():
    from cartrial.errors import InputError

    with pytest.raises(InputError, match=r"a dose level in 1\.\.3"):
        decide_next(ThreePlusThree(n_levels=3), pts((4, "no", 28)), window_days=28)


def test_cli_next_uses_protocol_design_and_window(tmp_path):
    data = tmp_path / "p.csv"
    data.write_text("subject,level,dlt,days_followed\nP1,1,no,28\nP2,2,yes,28\n")
    result = runner.invoke(
        app, ["escalation", "next", "--protocol", PROTOCOL, "--data", str(data), "--json"]
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert (got["design"], got["action"], got["next_level"], got["cohort_size"]) == (
        "accelerated titration + 3+3",
        "expand",
        2,
        2,
    )
    assert got["reason"] == (
        "first DLT at level 2 (1 DLT in 1): accelerated titration ends; "
        "expand level 2 to 3, per 3+3"
    )


def test_cli_next_bad_dlt_value_exits_2_naming_the_field(tmp_path):
    data = tmp_path / "p.csv"
    data.write_text("level,dlt\n1,maybe\n")
    result = runner.invoke(app, ["escalation", "next", "--protocol", PROTOCOL, "--data", str(data)])
    assert result.exit_code == 2
    assert "patients[0].dlt" in result.output


def test_cli_boundaries_json_matches_published_target_030():
    result = runner.invoke(app, ["escalation", "boundaries", "--target", "0.3", "--json"])
    got = json.loads(result.stdout)
    assert got["escalate_if_at_most"] == [0, 1, 2, 2, 3, 4, 4, 5, 6, 7]
    assert got["eliminate_if_at_least"] == [3, 4, 5, 7, 8, 9, 10, 11, 12, 14]


def test_cli_select_mtd_reports_isotonic_estimates():
    result = runner.invoke(
        app,
        [
            "escalation",
            "select-mtd",
            "--target",
            "0.3",
            "--n",
            "3,3,3,3",
            "--dlt",
            "0,2,1,3",
            "--json",
        ],
    )
    got = json.loads(result.stdout)
    assert got["mtd_level"] == 2
    # 3/3 at level 4: P(p > 0.3) = 0.992 > 0.95, eliminated, so no estimate there.
    assert got["isotonic_estimates"] == [0.0, 0.5, 0.5, None]


def test_cli_simulate_same_seed_same_answer_and_exact_for_3plus3():
    args = [
        "escalation",
        "simulate",
        "--design",
        "boin",
        "--truth",
        "0.1,0.3,0.5",
        "--trials",
        "500",
        "--json",
    ]
    first = runner.invoke(app, [*args, "--seed", "7"])
    again = runner.invoke(app, [*args, "--seed", "7"])
    assert first.exit_code == 0, first.output
    assert first.stdout == again.stdout
    exact = runner.invoke(
        app, ["escalation", "simulate", "--design", "3plus3", "--truth", "0.3", "--exact", "--json"]
    )
    assert json.loads(exact.stdout)["selection"] == [pytest.approx(0.420175)]


@given(
    level=st.integers(max_value=0),
    dlt=st.text(min_size=1).filter(lambda s: s not in ("yes", "no", "pending")),
    days=st.integers(max_value=-1),
)
def test_patient_outcome_refuses_generated_invalid_values(level, dlt, days):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="level"):
        PatientOutcome(level=level, dlt="no")
    with pytest.raises(ValidationError, match="dlt"):
        PatientOutcome(level=1, dlt=dlt)
    with pytest.raises(ValidationError, match="days_followed"):
        PatientOutcome(level=1, dlt="no", days_followed=days)


def test_cli_next_with_bundled_uclm802_protocol(tmp_path):
    # uclm802: accelerated titration for 2 single-patient levels, then 3+3; 28-day window.
    data = tmp_path / "p.json"
    data.write_text(
        json.dumps(
            [
                {"subject": "001", "level": 1, "dlt": "no", "days_followed": 28},
                {"subject": "002", "level": 2, "dlt": "no", "days_followed": 28},
            ]
        )
    )
    args = ["escalation", "next", "--protocol", "uclm802", "--data", str(data), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert (got["action"], got["next_level"], got["cohort_size"]) == ("escalate", 3, 3)
    data.write_text(
        json.dumps([{"level": 1, "dlt": "no", "days_followed": 28}, {"level": 2, "dlt": "pending"}])
    )
    assert json.loads(runner.invoke(app, args).stdout)["action"] == "wait"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "--design", "mtpi", "--truth", "0.1,0.3"], "field 'design': got 'mtpi'"),
        (["simulate", "--design", "boin", "--truth", "0.1,x"], "field 'truth'"),
        (["simulate", "--design", "boin", "--truth", "0.1,1.3"], "probabilities between 0 and 1"),
        (["boundaries", "--target", "0.3", "--p-saf", "0.4"], "field 'p_saf'"),
        (["select-mtd", "--target", "0.3", "--n", "3,3", "--dlt", "0"], "one DLT count per level"),
        (["simulate", "--design", "3plus3", "--truth", "0.1", "--start-dose", "2"], "start_level"),
        (["simulate", "--design", "crm", "--truth", "0.1", "--crm-model", "probit"], "crm_model"),
        (["simulate", "--design", "boin", "--truth", "0.1", "--n-earlystop", "0"], "n_earlystop"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_field(args, message):
    result = runner.invoke(app, ["escalation", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_no_patient_yet_starts_at_the_start_level():
    got = decide_next(ThreePlusThree(n_levels=3, start_level=2), [], window_days=28)
    assert (got.action, got.next_level, got.cohort_size) == ("stay", 2, 3)
    assert got.reason == "no patient treated yet: start at level 2 with 3 patient(s), per 3+3"


def test_cli_next_reads_json_with_patients_key(tmp_path):
    data = tmp_path / "p.json"
    data.write_text(json.dumps({"patients": [{"level": 1, "dlt": "no", "days_followed": 28}]}))
    args = ["escalation", "next", "--protocol", PROTOCOL, "--data", str(data), "--json"]
    got = json.loads(runner.invoke(app, args).stdout)
    assert (got["action"], got["next_level"], got["cohort_size"]) == ("escalate", 2, 1)


def test_staggering_holds_the_second_patient_at_a_level():
    # 3+3 escalated to level 2; its first patient is 5 days into the window. The cohort is
    # filled to 3 whatever that outcome, but a 14-day stagger holds the next infusion.
    design = ThreePlusThree(n_levels=3)
    rows = pts((1, "no", 28), (1, "no", 28), (1, "no", 28), (2, "pending", 5))
    got = decide_next(design, rows, window_days=28, stagger_days=14)
    assert got.action == "wait"
    assert got.reason.startswith(
        "wait: staggering; the first patient at level 2 has been followed 5 of 14 days "
        "(protocol stagger_days), the next patient at level 2 from day 14; then: "
        "1 treated at level 2 (0 DLTs): expand to 3, per 3+3"
    )
    later = pts((1, "no", 28), (1, "no", 28), (1, "no", 28), (2, "pending", 15))
    got = decide_next(design, later, window_days=28, stagger_days=14)
    assert (got.action, got.next_level, got.cohort_size) == ("expand", 2, 2)
    # A first patient at a new level is never held.
    first = pts((1, "no", 28), (1, "no", 28), (1, "no", 28))
    assert decide_next(design, first, window_days=28, stagger_days=14).action == "escalate"


def test_boin_completes_a_cohort_while_its_first_patient_is_pending():
    design = Boin(n_levels=3, target=0.3, max_sample_size=30)
    rows = pts((1, "no", 28), (1, "no", 28), (1, "no", 28), (2, "pending", 5))
    got = decide_next(design, rows, window_days=28)
    assert (got.action, got.next_level, got.cohort_size) == ("stay", 2, 2)
    # A DLT already observed in that first patient (1/1 >= lambda_d): no completion.
    rows = pts((1, "no", 28), (1, "no", 28), (1, "no", 28), (2, "yes", 5))
    assert decide_next(design, rows, window_days=28).action == "de-escalate"
