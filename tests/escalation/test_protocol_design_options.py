"""Design options as protocol fields: one path for the CLI, the services and the simulator.

``escalation.interval_design.mtd_estimator``, ``escalation.crm.method``,
``escalation.crm.coherent`` and ``escalation.three_plus_three.variant`` reach the
engine through :func:`cartrial.escalation.designs.design_from_protocol` (used by
``decide_for_protocol``, hence ``escalation next`` and ``engine_decision``, and by
the simulator). Each test checks that the protocol field gives what the engine's
own option gives, and differs from the default, on a case where the two differ.

References: R BOIN ``select.mtd`` (Yan et al., J Stat Softw 2020;94(13)); dfcrm
``crm(method = "mle")`` (Cheung 2011, chapter 3); coherence (Cheung, Biometrika
2005;92:863-873); the two 3+3 variants (Lin & Shih, Biostatistics 2001;2:203-215).
The hand-worked numbers are those of tests/escalation/test_boin_mtd_selection.py,
test_crm_output.py and test_three_plus_three_variants.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import ProtocolError
from cartrial.escalation import PatientOutcome, decide_for_protocol, design_from_protocol
from cartrial.escalation.boin import Boin
from cartrial.escalation.crm import Crm
from cartrial.escalation.engine import decide_next
from cartrial.escalation.three_plus_three import ThreePlusThree
from cartrial.protocol.load import load_protocol_file
from cartrial.protocol.model import Protocol

SMALL = Path(__file__).parent.parent / "data" / "escalation_small_protocol.yaml"
BLOCK = SMALL.read_text(encoding="utf-8")
START, END = BLOCK.index("escalation:\n"), BLOCK.index("eligibility:\n")
SKELETON = (0.05, 0.12, 0.25, 0.40)
runner = CliRunner()


def _write(tmp_path: Path, escalation: str) -> Path:
    path = tmp_path / "protocol.yaml"
    path.write_text(BLOCK[:START] + escalation + BLOCK[END:], encoding="utf-8")
    return path


def _protocol(tmp_path: Path, escalation: str) -> Protocol:
    return load_protocol_file(_write(tmp_path, escalation)).protocol


def _outcomes(counts: list[tuple[int, int, int]]) -> list[PatientOutcome]:
    """(level, patients, DLTs) -> DLT-free patients first, each followed 28 days."""
    out = []
    for level, n, y in counts:
        out += [PatientOutcome(level=level, dlt="no", days_followed=28)] * (n - y)
        out += [PatientOutcome(level=level, dlt="yes", days_followed=28)] * y
    return out


BOIN = """\
escalation:
  design: boin
  target_dlt_rate: 0.3
  cohort_size: 3
  max_sample_size: 9
  interval_design: {mtd_estimator: r_boin}
"""


def test_mtd_estimator_r_boin_selects_as_the_engine_option_does(tmp_path: Path) -> None:
    # n = (3, 3, 3, 0), y = (0, 2, 0, 0): patient weights pool levels 2-3 to 1/3 -> MTD 2;
    # R BOIN's weights pool them to 0.0588 -> MTD 3 (test_boin_mtd_selection.py).
    n, y = np.array([[3, 3, 3, 0]]), np.array([[0, 2, 0, 0]])
    r_boin = design_from_protocol(_protocol(tmp_path, BOIN))
    default = design_from_protocol(_protocol(tmp_path, BOIN.replace("r_boin", "patients")))
    assert isinstance(r_boin, Boin) and isinstance(default, Boin)
    engine = Boin(n_levels=4, target=0.3, max_sample_size=9, mtd_estimator="r_boin")
    assert r_boin.select_mtd(n, y).tolist() == engine.select_mtd(n, y).tolist() == [3]
    assert default.select_mtd(n, y).tolist() == [2]
    # and the live decision (9 of 9 treated: stop and declare) follows it
    done = _outcomes([(1, 3, 0), (2, 3, 2), (3, 3, 0)])
    assert decide_for_protocol(_protocol(tmp_path, BOIN), done).mtd_level == 3
    plain = _protocol(tmp_path, BOIN.replace("r_boin", "patients"))
    assert decide_for_protocol(plain, done).mtd_level == 2


CRM = """\
escalation:
  design: crm
  target_dlt_rate: 0.3
  cohort_size: 3
  max_sample_size: 30
  crm: {skeleton: [0.05, 0.12, 0.25, 0.40], method: mle}
"""


def test_crm_method_mle_decides_as_the_engine_option_does(tmp_path: Path) -> None:
    # 0/3 at level 1, 2/3 at level 2: the maximum-likelihood plug-in rates put level 1
    # nearest 0.3 (de-escalate); the posterior under the N(0, 1.34) prior keeps level 2.
    patients = _outcomes([(1, 3, 0), (2, 3, 2)])
    mle = decide_for_protocol(_protocol(tmp_path, CRM), patients)
    engine = decide_next(
        Crm(n_levels=4, target=0.3, skeleton=SKELETON, max_sample_size=30, method="mle"),
        patients,
        window_days=28,
    )
    bayes = decide_for_protocol(_protocol(tmp_path, CRM.replace("mle", "bayes")), patients)
    assert mle.model_dump() == engine.model_dump()
    assert mle.crm is not None and mle.crm.method == "mle"
    assert (mle.action, mle.next_level) == ("de-escalate", 1)
    assert (bayes.action, bayes.next_level) == ("stay", 2)


COHERENT = """\
escalation:
  design: crm
  target_dlt_rate: 0.3
  cohort_size: 3
  max_sample_size: 30
  crm: {skeleton: [0.05, 0.12, 0.25, 0.40], coherent: true}
"""


def test_crm_coherent_holds_as_the_engine_option_does(tmp_path: Path) -> None:
    # 0/3 at level 1, then 1/3 at level 2 (rate 0.33 >= 0.3): coherence forbids escalating.
    patients = _outcomes([(1, 3, 0), (2, 3, 1)])
    held = decide_for_protocol(_protocol(tmp_path, COHERENT), patients)
    engine = decide_next(
        Crm(n_levels=4, target=0.3, skeleton=SKELETON, max_sample_size=30, coherent=True),
        patients,
        window_days=28,
    )
    free = decide_for_protocol(_protocol(tmp_path, COHERENT.replace("true", "false")), patients)
    assert held.model_dump() == engine.model_dump()
    assert (held.action, held.next_level) == ("stay", 2)
    assert (free.action, free.next_level) == ("escalate", 3)


THREE = """\
escalation:
  design: 3plus3
  three_plus_three: {variant: without-deescalation}
"""


def test_three_plus_three_variant_decides_as_the_engine_fields_do(tmp_path: Path) -> None:
    # 0/3, 0/3, then 2/3 at level 3 (exceeded): without de-escalation level 2 is the MTD
    # with its 3 patients; with de-escalation level 2 is expanded to 6 first (Lin & Shih).
    patients = _outcomes([(1, 3, 0), (2, 3, 0), (3, 3, 2)])
    without = decide_for_protocol(_protocol(tmp_path, THREE), patients)
    engine = decide_next(
        ThreePlusThree(n_levels=4, mtd_requires_six=False, deescalation_expands_lower_level=False),
        patients,
        window_days=28,
    )
    with_ = decide_for_protocol(_protocol(tmp_path, THREE.replace("without-", "with-")), patients)
    assert without.model_dump() == engine.model_dump()
    assert (without.mtd_declared, without.mtd_level) == (True, 2)
    assert with_.mtd_declared is False and with_.next_level == 2


def test_the_variant_sets_both_fields_and_a_field_may_repeat_it(tmp_path: Path) -> None:
    spec = _protocol(tmp_path, THREE).escalation
    assert spec is not None and spec.three_plus_three is not None
    tpt = spec.three_plus_three
    assert (tpt.mtd_requires_six, tpt.deescalation_expands_lower_level) == (False, False)
    agreeing = THREE.replace("}", ", mtd_requires_six: false}")
    assert _protocol(tmp_path, agreeing).escalation == spec.model_copy(
        update={"three_plus_three": tpt}
    )


def test_the_cli_next_reads_the_protocols_fields(tmp_path: Path) -> None:
    data = tmp_path / "patients.csv"
    data.write_text(
        "subject,level,dlt,days_followed\n"
        + "".join(
            f"P{i},{lv},{d},28\n"
            for i, (lv, d) in enumerate(
                [(1, "no")] * 3 + [(2, "no")] * 3 + [(3, "yes")] * 2 + [(3, "no")]
            )
        ),
        encoding="utf-8",
    )
    path = _write(tmp_path, THREE)
    args = ["escalation", "next", "--protocol", str(path), "--data", str(data), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    assert (payload["mtd_declared"], payload["mtd_level"]) == (True, 2)


@pytest.mark.parametrize(
    ("escalation", "line", "where", "message"),
    [
        (
            BOIN.replace("r_boin", "rboin"),
            6,
            "escalation.interval_design.mtd_estimator",
            "Input should be 'patients' or 'r_boin', not 'rboin'",
        ),
        (
            CRM.replace("mle", "ml"),
            6,
            "escalation.crm.method",
            "Input should be 'bayes' or 'mle', not 'ml'",
        ),
        (
            COHERENT.replace("true", "maybe"),
            6,
            "escalation.crm.coherent",
            "Input should be a valid boolean, unable to interpret input, not 'maybe'",
        ),
        (
            THREE.replace("without-deescalation", "hybrid"),
            3,
            "escalation.three_plus_three.variant",
            "Input should be 'with-deescalation' or 'without-deescalation', not 'hybrid'",
        ),
        (
            THREE.replace("}", ", deescalation_expands_lower_level: true}"),
            3,
            "escalation.three_plus_three",
            "deescalation_expands_lower_level: true contradicts variant 'without-deescalation', "
            "which means deescalation_expands_lower_level: false "
            "(leave deescalation_expands_lower_level out, or give no variant)",
        ),
    ],
)
def test_a_wrong_value_is_refused_naming_field_value_allowed_and_line(
    tmp_path: Path, escalation: str, line: int, where: str, message: str
) -> None:
    with pytest.raises(ProtocolError) as refused:
        load_protocol_file(_write(tmp_path, escalation))
    escalation_line = BLOCK[:START].count("\n") + 1
    assert refused.value.problems == [(where, escalation_line + line - 1, message)]
