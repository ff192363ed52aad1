"""ADaM derivations on a hand-built SDTM (tests/cdisc/adam_sdtm.py); every expected value
below is worked out by hand from the dates there and the rule the test names."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cartrial.cdisc.adam import AdamBuild, build_adam
from cartrial.cdisc.adam.source import SdtmSource
from cartrial.errors import InputError
from cartrial.protocol.load import load_protocol
from tests.cdisc.adam_sdtm import sdtm

D = dt.date


@pytest.fixture(scope="module")
def adam() -> AdamBuild:
    # uclm802: TEAE from the first lymphodepleting dose to infusion + 30 days, DLT window
    # 28 days, confirmation >= 28 days, SD minimum 42 days
    return build_adam(sdtm(), protocol=load_protocol("uclm802").protocol)


def _by(frame: pd.DataFrame, *keys: str) -> dict[tuple[object, ...], pd.Series]:
    return {tuple(r[k] for k in keys): r for _, r in frame.iterrows()}


def test_adsl_populations_follow_infusion_dlt_window_and_tumour_assessments(
    adam: AdamBuild,
) -> None:
    adsl = adam.dataset("ADSL").frame.set_index("USUBJID")
    # 001 infused, followed to day 147; 002 DLT on day 2 then died; 003 screen failure;
    # 004 withdrew on day 18 (< 28) without a DLT
    assert adsl["SAFFL"].to_dict() == {
        "UCLM802-001": "Y", "UCLM802-002": "Y", "UCLM802-003": "N", "UCLM802-004": "Y"
    }  # fmt: skip
    assert adsl["DLTEVLFL"].tolist() == ["Y", "Y", "N", "N"]
    assert adsl["TUBLFL"].tolist() == ["Y", "Y", "N", "Y"]
    # 002 has a baseline but no post-infusion response
    assert adsl["EFFFL"].tolist() == ["Y", "N", "N", "Y"]


def test_adsl_dates_come_from_ex_dm_ds_and_the_last_contact(adam: AdamBuild) -> None:
    adsl = adam.dataset("ADSL").frame.set_index("USUBJID")
    assert adsl.loc["UCLM802-001", "LDSTDT"] == D(2026, 1, 2)  # fludarabine
    assert adsl.loc["UCLM802-001", "TRTSDT"] == D(2026, 1, 5)  # CAR-T
    assert adsl.loc["UCLM802-001", "LSTALVDT"] == D(2026, 6, 1)  # SV, the latest contact
    assert adsl.loc["UCLM802-002", "DTHDT"] == D(2026, 2, 20)
    assert adsl.loc["UCLM802-002", "LSTALVDT"] is None  # dead: DTHDT instead
    # withdrawn on 2026-03-20: a later AE end date (03-25) does not extend follow-up
    assert adsl.loc["UCLM802-004", "LSTALVDT"] == D(2026, 3, 20)
    assert adsl.loc["UCLM802-003", "TRT01A"] is None
    assert adsl.loc["UCLM802-002", "DOSEA"] == 3.0e6


def test_teae_window_runs_from_lymphodepletion_to_day_30_after_infusion(adam: AdamBuild) -> None:
    adae = _by(adam.dataset("ADAE").frame, "USUBJID", "AESEQ")
    flags = {k: r["TRTEMFL"] for k, r in adae.items()}
    assert flags[("UCLM802-001", 1)] is None  # 2025-12-20, before the first fludarabine
    assert flags[("UCLM802-001", 2)] == "Y"  # day 1 after infusion
    assert flags[("UCLM802-001", 3)] == "Y"  # 2026-02-04 = infusion + 30 days: in
    assert flags[("UCLM802-001", 5)] is None  # 2026-02-05 = + 31 days: out
    assert adae[("UCLM802-001", 3)]["ASTDY"] == 31  # no day 0
    assert adae[("UCLM802-001", 1)]["ASTDY"] == -16


def test_adae_worst_grade_per_term_and_aesi_from_the_protocol_list(adam: AdamBuild) -> None:
    adae = _by(adam.dataset("ADAE").frame, "USUBJID", "AESEQ")
    # nausea grade 3 (seq 3) beats grade 1 (seq 4) for subject 001
    assert adae[("UCLM802-001", 3)]["MAXGRFL"] == "Y"
    assert adae[("UCLM802-001", 4)]["MAXGRFL"] is None
    assert adae[("UCLM802-001", 2)]["AESIFL"] == "Y"  # CRS is on uclm802's AESI list
    assert adae[("UCLM802-001", 3)]["AESIFL"] is None


def test_adlb_baseline_change_and_grade_shift(adam: AdamBuild) -> None:
    adlb = _by(adam.dataset("ADLB").frame, "LBSEQ")
    assert adlb[(1,)]["ABLFL"] == "Y" and adlb[(1,)]["CHG"] is None
    assert adlb[(2,)]["BASE"] == 3.0
    assert adlb[(2,)]["CHG"] == pytest.approx(-2.6)
    assert adlb[(2,)]["SHIFT1"] == "0 to 4" and adlb[(3,)]["SHIFT1"] == "0 to 3"
    assert adlb[(2,)]["WGRFL"] == "Y" and adlb[(3,)]["WGRFL"] is None


def test_adrs_confirmed_pr_and_early_sd_counting_as_ne(adam: AdamBuild) -> None:
    adrs = _by(adam.dataset("ADRS").frame, "USUBJID", "PARAMCD", "ADT")
    # PR on day 42 confirmed by PR 28 days later (RECIST 1.1 Table 3)
    assert adrs[("UCLM802-001", "CBOR", D(2026, 2, 16))]["AVALC"] == "PR"
    assert adrs[("UCLM802-001", "RSP", D(2026, 2, 16))]["AVALC"] == "Y"
    # SD on day 14 is before the 42-day SD minimum: NE (RECIST 1.1 section 4.6.1)
    assert adrs[("UCLM802-004", "BOR", D(2026, 3, 16))]["AVALC"] == "NE"
    assert adrs[("UCLM802-004", "DCR", D(2026, 3, 16))]["AVALC"] == "N"
    # a baseline without follow-up: NE, and no RSP (not efficacy-evaluable)
    assert adrs[("UCLM802-002", "CBOR", None)]["AVALC"] == "NE"
    assert ("UCLM802-002", "RSP", None) not in adrs


def test_adtte_event_and_censoring_by_the_named_rules(adam: AdamBuild) -> None:
    adtte = _by(adam.dataset("ADTTE").frame, "USUBJID", "PARAMCD")
    pfs = adtte[("UCLM802-001", "PFS")]
    # PD on 2026-05-11, 126 days after 2026-01-05: AVAL = 126 + 1
    assert (pfs["ADT"], pfs["AVAL"], pfs["CNSR"]) == (D(2026, 5, 11), 127.0, 0)
    assert pfs["EVNTDESC"] == "DISEASE PROGRESSION" and pfs["CNSDTDSC"] is None
    dor = adtte[("UCLM802-001", "DOR")]
    assert (dor["STARTDT"], dor["AVAL"], dor["CNSR"]) == (D(2026, 2, 16), 85.0, 0)
    os_ = adtte[("UCLM802-001", "OS")]
    assert (os_["ADT"], os_["AVAL"], os_["CNSR"]) == (D(2026, 6, 1), 148.0, 1)
    assert os_["CNSDTDSC"] == "alive: censored at the last date known alive"
    death = adtte[("UCLM802-002", "PFS")]
    assert (death["AVAL"], death["CNSR"], death["EVNTDESC"]) == (17.0, 0, "DEATH")
    censored = adtte[("UCLM802-004", "PFS")]
    assert (censored["ADT"], censored["AVAL"], censored["CNSR"]) == (D(2026, 3, 16), 15.0, 1)
    assert ("UCLM802-003", "OS") not in adtte  # no tumour baseline


def test_adpc_relative_time_in_days_and_blq_as_zero(adam: AdamBuild) -> None:
    adpc = adam.dataset("ADPC").frame
    # 2026-01-12 22:00 is 7 days 12 hours after the 2026-01-05 10:00 infusion
    assert adpc["AFRLT"].tolist() == [1.0, 7.5, 28.0]
    assert adpc["AVAL"].tolist() == [1000.0, 5000.0, 0.0]
    assert adpc["BLQFL"].tolist() == [None, None, "Y"]
    adpp = _by(adam.dataset("ADPP").frame, "PARAMCD")
    assert adpp[("CMAX",)]["AVAL"] == 5000.0 and adpp[("TMAX",)]["AVALU"] == "DAYS"


def test_addlt_one_record_per_infused_subject(adam: AdamBuild) -> None:
    addlt = adam.dataset("ADDLT").frame.set_index("USUBJID")
    assert addlt["AVALC"].to_dict() == {"UCLM802-001": "N", "UCLM802-002": "Y", "UCLM802-004": None}
    assert addlt.loc["UCLM802-002", "ADT"] == D(2026, 2, 6)
    assert addlt.loc["UCLM802-004", "DLTREAS"].startswith("not DLT-evaluable")


def test_sdtm_without_a_required_variable_is_refused_by_name() -> None:
    frames = dict(sdtm().frames)
    frames["AE"] = frames["AE"].drop(columns="AETOXGR")
    with pytest.raises(InputError) as info:
        build_adam(SdtmSource(frames), protocol=load_protocol("uclm802").protocol)
    assert info.value.field == "AE.AETOXGR"
