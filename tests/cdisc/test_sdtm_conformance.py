"""SDTMIG 3.4 structural rules on the SDTM datasets of the simulated trials (issue 16)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from cartrial.cdisc.sdtm import SDTM_ORDER, SdtmBuild, build_sdtm
from cartrial.store import make_sessionmaker
from tests.cdisc import sdtm_checks as check
from tests.simulated_trials import SimulatedTrial

TRIALS = ("uclm802_trial", "szugh_trial", "small_trial")
CORE_DOMAINS = {"DM", "AE", "EX", "LB", "RS", "TR", "TU", "PC", "PP"}


@pytest.fixture(scope="module", params=TRIALS)
def built(request: pytest.FixtureRequest) -> SdtmBuild:
    trial: SimulatedTrial = request.getfixturevalue(request.param)
    engine = create_engine(trial.url)
    try:
        return build_sdtm(make_sessionmaker(engine), as_of=trial.data_cut)
    finally:
        engine.dispose()


def test_the_core_domains_are_built_in_sdtmig_order(built: SdtmBuild) -> None:
    names = [d.name for d in built.datasets]
    assert set(names) >= CORE_DOMAINS
    assert names == [n for n in SDTM_ORDER if n in names]


def test_required_variables_are_present_and_filled_unless_logged(built: SdtmBuild) -> None:
    logged = {(e.domain, e.field.split(".")[-1].upper()) for e in built.mapping_log.entries}
    logged |= {("DM", "COUNTRY")} if ("DM", "SITES[0].COUNTRY") in logged else set()
    problems = [
        p
        for d in built.datasets
        for p in check.required_missing(d)
        if (d.name, p.split(":")[0].split(".")[1]) not in logged
    ]
    assert problems == []


def test_keys_are_unique(built: SdtmBuild) -> None:
    assert {
        d.name: check.duplicate_keys(d) for d in built.datasets if check.duplicate_keys(d)
    } == {}


def test_seq_is_unique_per_subject(built: SdtmBuild) -> None:
    assert {
        d.name: check.seq_duplicates(d) for d in built.datasets if check.seq_duplicates(d)
    } == {}


def test_dates_are_iso_8601(built: SdtmBuild) -> None:
    assert {d.name: check.bad_dates(d)[:3] for d in built.datasets if check.bad_dates(d)} == {}


def test_study_days_follow_rfstdtc_without_day_zero(built: SdtmBuild) -> None:
    dm = built.dataset("DM")
    found = {d.name: check.inconsistent_days(d, dm)[:3] for d in built.datasets}
    assert {k: v for k, v in found.items() if v} == {}


def test_testcd_values_have_at_most_8_characters_and_a_valid_start(built: SdtmBuild) -> None:
    bad = {
        f"{d.name}.{c}": sorted({v for v in d.frame[c].dropna() if not check.TESTCD.match(v)})
        for d in built.datasets
        for c in d.frame.columns
        if c.endswith("TESTCD") or c == "QNAM"
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_codelist_values_are_in_the_shipped_terminology(built: SdtmBuild) -> None:
    assert [p for d in built.datasets for p in check.codelist_violations(d)] == []


def test_epoch_is_set_on_every_record_dated_after_consent(built: SdtmBuild) -> None:
    consent = dict(
        zip(built.dataset("DM").frame["USUBJID"], built.dataset("DM").frame["RFICDTC"], strict=True)
    )
    missing = {}
    for d in built.datasets:
        if "EPOCH" not in d.frame.columns:
            continue
        dated = [c for c in d.frame.columns if c.endswith("DTC")]
        if not dated:  # TA: EPOCH is the element's, not a record date's
            continue
        dtc = next((c for c in dated if "RFT" not in c), dated[0])
        started = d.frame["USUBJID"].map(consent) if "USUBJID" in d.frame.columns else None
        in_study = d.frame[dtc].notna()
        if started is not None:
            in_study &= d.frame[dtc].str[:10] >= started.fillna("")
        n = int((in_study & d.frame["EPOCH"].isna()).sum())
        if n:
            missing[d.name] = n
    assert missing == {}


def test_every_subject_of_a_domain_is_in_dm(built: SdtmBuild) -> None:
    subjects = set(built.dataset("DM").frame["USUBJID"])
    stray = {
        d.name: sorted(set(d.frame["USUBJID"].dropna()) - subjects)[:3]
        for d in built.datasets
        if "USUBJID" in d.frame.columns
    }
    assert {k: v for k, v in stray.items() if v} == {}


def test_at_most_one_last_observation_before_exposure_per_subject_and_test(
    built: SdtmBuild,
) -> None:
    twice = {}
    for name in ("LB", "VS", "IS"):
        frame = built.dataset(name).frame
        flagged = frame[frame[f"{name}LOBXFL"] == "Y"]
        n = int(flagged.duplicated(["USUBJID", f"{name}TESTCD"]).sum())
        if n:
            twice[name] = n
    assert twice == {}


def test_names_labels_and_values_fit_sas_transport(built: SdtmBuild) -> None:
    """FDA Study Data Technical Conformance Guide 3.3: names <= 8, labels <= 40, text <= 200
    characters, ASCII."""
    bad = []
    for d in built.datasets:
        if len(d.name) > 8 or len(d.label) > 40:
            bad.append(f"{d.name}: {d.label}")
        for v in d.variables:
            if len(v.name) > 8 or len(v.label) > 40:
                bad.append(f"{d.name}.{v.name}: {v.label}")
            if v.data_type in ("integer", "float"):
                continue
            text = d.frame[v.name].dropna().astype(str)
            if (text.str.len() > 200).any() or not all(t.isascii() for t in text):
                bad.append(f"{d.name}.{v.name}: a value over 200 characters or not ASCII")
    assert bad == []
