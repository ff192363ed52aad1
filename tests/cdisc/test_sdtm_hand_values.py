"""SDTM values of a hand-built database against values worked out by hand.

Rules: SDTMIG 3.4 section 4.4.4 (study day, no day 0), 4.4.2 (ISO 8601 with the
precision collected), the EPOCH elements of ``cartrial.cdisc.sdtm.trial_design``,
DM (RFSTDTC = infusion on the site clock, AGE at consent), and issue 16's mapping
log (unknown test, unit without CDISC equivalent, unlocked data cut).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cartrial.cdisc.sdtm import SdtmBuild, build_sdtm
from tests.cdisc.hand_built import build_hand_trial


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SdtmBuild:
    path = tmp_path_factory.mktemp("hand") / "hand.db"
    return build_sdtm(build_hand_trial(path, lock_all=False))


def _row(built: SdtmBuild, domain: str, **match: object) -> dict[str, object]:
    frame = built.dataset(domain).frame
    for k, v in match.items():
        frame = frame[frame[k] == v]
    assert len(frame) == 1, f"{domain} {match}: {len(frame)} rows"
    return dict(frame.iloc[0])


def test_rfstdtc_is_the_infusion_on_the_site_clock(built: SdtmBuild) -> None:
    dm = _row(built, "DM", USUBJID="UCLM802-S01-0001")
    # 2026-03-09 17:30 UTC is 01:30 on 10 March in Shanghai (UTC+8)
    assert dm["RFSTDTC"] == "2026-03-10T01:30"
    assert dm["RFXSTDTC"] == "2026-03-05T10:00"  # first fludarabine dose, 02:00 UTC
    assert dm["RFICDTC"] == "2026-01-10"


def test_country_is_the_protocol_site_country(built: SdtmBuild) -> None:
    # uclm802's site is in Beijing (assumed in the protocol, with its reason): ISO 3166-1
    # alpha-3 of China is CHN.
    assert set(built.dataset("DM").frame["COUNTRY"]) == {"CHN"}


def test_age_is_whole_years_at_consent(built: SdtmBuild) -> None:
    # born 1970-03-11, consent 2026-01-10: the 56th birthday is still to come
    assert _row(built, "DM", USUBJID="UCLM802-S01-0001")["AGE"] == 55
    # born 1980-01-10, consent 2026-01-10: the birthday itself counts
    assert _row(built, "DM", USUBJID="UCLM802-S01-0002")["AGE"] == 46


def test_arm_codes_and_the_reason_an_arm_is_null(built: SdtmBuild) -> None:
    one = _row(built, "DM", USUBJID="UCLM802-S01-0001")
    assert (one["ARMCD"], one["ACTARMCD"], one["ARMNRS"]) == ("DL2", "DL2", None)
    two = _row(built, "DM", USUBJID="UCLM802-S01-0002")
    assert (two["ARMCD"], two["ACTARMCD"], two["ARMNRS"]) == (None, None, "NOT ASSIGNED")


def test_study_day_has_no_day_zero(built: SdtmBuild) -> None:
    nausea = _row(built, "AE", AETERM="Nausea")
    assert (nausea["AESTDTC"], nausea["AESTDY"], nausea["AEENDY"]) == ("2026-03-17", 8, 10)
    ld = _row(built, "EX", EXTRT="FLUDARABINE")
    assert (ld["EXSTDTC"], ld["EXSTDY"], ld["EPOCH"]) == ("2026-03-05T10:00", -5, "LYMPHODEPLETION")


def test_epoch_follows_the_28_day_dlt_window(built: SdtmBuild) -> None:
    # infusion day 10 March + 28 days = 7 April (TREATMENT); 8 April is FOLLOW-UP
    assert _row(built, "AE", AETERM="Nausea")["EPOCH"] == "TREATMENT"
    fatigue = _row(built, "AE", AETERM="Fatigue")
    assert (fatigue["AESTDY"], fatigue["EPOCH"]) == (30, "FOLLOW-UP")


def test_lab_at_night_after_the_infusion_is_day_1(built: SdtmBuild) -> None:
    alt = _row(built, "LB", LBTESTCD="ALT")
    assert (alt["LBDTC"], alt["LBDY"], alt["EPOCH"]) == ("2026-03-10T04:00", 1, "TREATMENT")
    assert (alt["LBORRES"], alt["LBORNRHI"], alt["LBNRIND"], alt["LBTOXGR"]) == (
        "130",
        "40",
        "HIGH",
        "2",
    )


def test_screening_labs_in_standard_units(built: SdtmBuild) -> None:
    lb = built.dataset("LB").frame
    two = lb[lb["USUBJID"] == "UCLM802-S01-0002"].set_index("LBTESTCD")
    # 150,000 /uL = 150 x 10^9/L; 17.104 umol/L bilirubin = 1 mg/dL (molar mass 584.66 g/mol)
    assert tuple(two.loc["PLAT", ["LBORRESU", "LBSTRESN", "LBSTRESU", "LBDTC"]]) == (
        "/uL",
        150.0,
        "10^9/L",
        "2026-01-10",
    )
    assert tuple(two.loc["BILI", ["LBORRES", "LBSTRESN", "LBSTRESU"]]) == ("17.104", 1.0, "mg/dL")
    assert set(two["EPOCH"]) == {"SCREENING"}


def test_prior_therapy_before_consent_has_no_epoch(built: SdtmBuild) -> None:
    cm = _row(built, "CM", CMTRT="GEMCITABINE")
    assert (cm["CMCAT"], cm["CMSTDTC"], cm["EPOCH"]) == ("PRIOR CANCER THERAPY", "2025-04-23", None)


def test_cell_dose_per_kg(built: SdtmBuild) -> None:
    cart = _row(built, "EX", EXCAT="CAR-T CELL THERAPY")
    # 24 x 10^6 cells / 80 kg = 0.3 x 10^6 cells/kg
    assert (cart["EXDOSE"], cart["EXDOSU"], cart["EXLOT"]) == (0.3, "10^6 cells/kg", "LOT-1")


def test_unmapped_records_and_the_unlocked_cut_are_logged_by_name(built: SdtmBuild) -> None:
    said = [(e.domain, e.subject, e.field, e.value) for e in built.mapping_log.entries]
    assert ("LB", "S01-0001", "test", "xyz") in said
    assert ("LB", "S01-0001", "unit", "furlong/L") in said
    assert ("ALL", "S01-0002", "lifted_at", None) in said
    assert ("ALL", "S01-0001", "lifted_at", None) not in said
    lb = built.dataset("LB").frame
    # screening PLAT and BILI, the stored ALT; neither CRP (furlong/L) nor xyz
    assert set(lb.loc[lb["USUBJID"] == "UCLM802-S01-0001", "LBTESTCD"]) == {"ALT", "BILI", "PLAT"}


def test_ie_holds_the_criteria_not_met_as_worded(built: SdtmBuild) -> None:
    ie = built.dataset("IE").frame
    got = sorted(zip(ie["IETESTCD"], ie["IECAT"], ie["IEORRES"], ie["IEDTC"], strict=True))
    # decided 02:00 UTC on 10 January = 10:00 in Shanghai
    assert got == [
        ("EXC02", "EXCLUSION", "Y", "2026-01-10T10:00"),
        ("INC04", "INCLUSION", "N", "2026-01-10T10:00"),
    ]


def test_astct_grade_0_keeps_the_record_without_a_grade_and_logs_it(built: SdtmBuild) -> None:
    crs = _row(built, "AE", AETERM="Cytokine release syndrome")
    assert (crs["AETOXGR"], crs["AESTDY"]) == (None, 2)
    supp = _row(built, "SUPPAE", IDVARVAL=str(crs["AESEQ"]), QNAM="AETOXGRS")
    assert supp["QVAL"] == "ASTCT 2019"
    said = [(e.domain, e.field, e.value) for e in built.mapping_log.entries]
    assert ("AE", "derived_grade", "0") in said


def test_a_sample_without_a_domain_and_an_unknown_assay_are_logged(built: SdtmBuild) -> None:
    said = [(e.domain, e.table, e.field, e.value) for e in built.mapping_log.entries]
    assert ("CP", "sample", "analyte", "car_t_flow") in said
    assert ("IS", "assay_result", "test", "anti_peg") in said
    assert list(built.dataset("IS").frame["ISORRES"]) == ["NEGATIVE"]
    pc = _row(built, "PC", PCREFID="S1-PCR-D7")
    # collected 02:00 UTC on 17 March = 10:00 in Shanghai, protocol day 7 = study day 8
    assert (pc["PCSTRESN"], pc["PCDTC"], pc["PCDY"], pc["PCTPT"], pc["PCELTM"]) == (
        1200.0,
        "2026-03-17T10:00",
        8,
        "DAY 7",
        "P7D",
    )


def test_registry_id_in_ts(built: SdtmBuild) -> None:
    assert _row(built, "TS", TSPARMCD="REGID")["TSVAL"] == "NCT05783089"


def test_unknown_protocol_is_refused(tmp_path: Path) -> None:
    from cartrial.errors import NotFoundError

    sessions = build_hand_trial(tmp_path / "x.db")
    with pytest.raises(NotFoundError):
        build_sdtm(sessions, "no-such-protocol")


def test_a_protocol_without_subjects_is_refused_by_name(tmp_path: Path) -> None:
    import hashlib
    from importlib.resources import files

    from cartrial.actor import SYSTEM
    from cartrial.errors import InputError
    from cartrial.services.context import transaction
    from cartrial.store import make_sessionmaker
    from cartrial.store.db import make_engine
    from cartrial.store.migrate import upgrade
    from cartrial.store.models import ProtocolVersion

    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    text = files("cartrial.protocol.bundled").joinpath("szugh-msln-2024.yaml").read_text("utf-8")
    with transaction(sessions, SYSTEM, reason="test") as s:
        s.add(
            ProtocolVersion(
                protocol_id="szugh-msln-2024",
                label="test",
                yaml_text=text,
                sha256=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    with pytest.raises(InputError, match=r"szugh-msln-2024.*at least one subject"):
        build_sdtm(sessions)
