"""The landscape dataset against its source: the review's Table 2 as printed in the seed text
(``../shared/seeds/004_*.txt``) and the counts its sections 4.2-4.11 state."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cartrial.landscape.load import load_landscape, select_trials
from cartrial.landscape.trials import LandscapeTrial, ReportedRate

SEED = next((Path(__file__).parents[3] / "shared" / "seeds").glob("004_*.txt"))


def _table2_rows() -> list[list[str]]:
    """Table 2 as the seed prints it: tab-separated lines between its title and footnote."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TABLE 2")) + 2
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        if line.startswith("DCR,"):
            break
        rows.append(line.split("\t"))
    return rows


def _by_table_row() -> dict[int, LandscapeTrial]:
    out = {}
    for trial in load_landscape().trials:
        for place in trial.source:
            if place.startswith("Table 2 row "):
                out[int(place.removeprefix("Table 2 row "))] = trial
    return out


def test_every_table2_row_is_one_trial_with_its_dcr_and_orr_as_printed() -> None:
    rows = _table2_rows()
    trials = _by_table_row()
    assert len(rows) == 27
    assert sorted(trials) == list(range(1, 28))
    for number, row in enumerate(rows, start=1):
        trial = trials[number]
        dcr, orr = row[3].strip(), row[4].strip()
        assert (trial.dcr_reported, trial.orr_reported) == (dcr, orr), (number, row)
        assert trial.tox_criteria is not None and row[5].strip() in trial.tox_criteria, number


def test_every_count_rounds_to_the_percentage_table2_prints() -> None:
    """A count (stated or inferred) must give the printed percentage at its printed precision."""
    checked = 0
    for trial in load_landscape().trials:
        for name in ("orr", "dcr"):
            count = getattr(trial, name)
            printed = getattr(trial, f"{name}_reported")
            if count is None or printed is None:
                continue
            rate = ReportedRate.parse(printed)
            if rate.percent is None:
                continue
            decimals = len(printed.rstrip("%").partition(".")[2])
            half_unit = 0.5 * 10**-decimals
            assert math.fabs(100 * count.events / count.n - rate.percent) <= half_unit + 1e-9, (
                trial.id,
                name,
            )
            checked += 1
    assert checked == 44


@pytest.mark.parametrize(
    ("trial_id", "orr", "dcr"),
    [
        ("cd133-hcc-iv", (1, 21), (15, 21)),  # 1 PR, 14 SD, 6 PD of 21 (section 4.10)
        ("cd70-ccrcc-iv", (1, 16), (13, 16)),  # 1 CR, 12 SD of 16 (section 4.11)
        ("cea-crc-iv", (0, 10), (7, 10)),  # 7 SD of 10 (section 4.3)
        ("psma-tgfbrdn-mcrpc-iv", (0, 13), (5, 13)),  # 5 SD of 13 (section 4.5)
        ("msln-mpm-intrapleural", (2, 16), (11, 16)),  # 68.8 % and 12.5 % imply n = 16
    ],
)
def test_counts_the_text_states_or_implies(
    trial_id: str, orr: tuple[int, int], dcr: tuple[int, int]
) -> None:
    trial = next(t for t in load_landscape().trials if t.id == trial_id)
    assert trial.orr is not None and (trial.orr.events, trial.orr.n) == orr
    assert trial.dcr is not None and (trial.dcr.events, trial.dcr.n) == dcr


def test_the_known_inconsistencies_of_the_review_are_kept_and_flagged() -> None:
    trials = {t.id: t for t in load_landscape().trials}
    gd2 = trials["gd2-dipg-icv"]
    assert gd2.orr_text is not None and (gd2.orr_text.events, gd2.orr_text.n) == (7, 11)
    assert any("63.6%" in f for f in gd2.flags)
    assert any("one patient" in f for f in trials["msln-pdac-iv"].flags)
    assert any("one patient" in f for f in trials["cea-mpdac-hai"].flags)
    assert any("no unit" in f for f in trials["fap-mpm-intrapleural"].flags)
    assert trials["msln-mpm-intrapleural"].orr.basis == "inferred"  # type: ignore[union-attr]
    assert any("truncated" in f for f in load_landscape().dataset_flags)


def test_selection_by_target_and_route() -> None:
    trials = load_landscape().trials
    msln = select_trials(trials, target="msln")
    assert {t.id for t in msln} == {"msln-pdac-iv", "msln-mpm-intrapleural"}
    assert [t.id for t in select_trials(trials, target="MSLN", route="intrapleural")] == [
        "msln-mpm-intrapleural"
    ]
    local = select_trials(trials, route="locoregional")
    assert {t.id for t in local} == {
        "egfr-il13ra2-gbm-icv", "il13ra2-gbm-intracavitary", "gd2-dipg-icv", "b7h3-dipg-icv",
        "cea-mpdac-hai", "cmet-breast-intratumoral", "msln-mpm-intrapleural",
        "fap-mpm-intrapleural", "gpc3-hcc-intratumoral",
    }  # fmt: skip
