"""The ADaM results equal the project's own analyses of the same database (issue 16,
"Agreement"): SDTM is built from the simulated trial (``build_sdtm``), ADaM only from that
SDTM (``build_adam``), and each figure is compared with
:func:`cartrial.services.trial_summary.trial_analysis` of the same database at the same
data cut: ORR and DCR (ADRS RSP/DCR over EFFFL), Kaplan-Meier medians (lifelines on ADTTE
AVAL/CNSR; AVAL counts ADT - STARTDT + 1, the engine elapsed days, so AVAL - 1), TEAE
patients by term and worst grade (ADAE), the NCA parameters (ADPP) and the DLT-evaluable
subjects (ADSL.DLTEVLFL against the signed adjudications)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from cartrial.cdisc.adam import AdamBuild, build_adam
from cartrial.cdisc.adam.source import SdtmSource, read_sdtm_directory
from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.formats.limits import check_dataset
from cartrial.cdisc.formats.package import write_package
from cartrial.cdisc.formats.xpt import read_xpt, write_xpt
from cartrial.cdisc.sdtm import build_sdtm
from cartrial.protocol.load import load_protocol
from cartrial.protocol.model import Protocol
from cartrial.services.trial_summary import TrialAnalysis, trial_analysis
from cartrial.store import make_engine, make_sessionmaker
from tests.simulated_trials import SimulatedTrial


@dataclass(frozen=True)
class Both:
    adam: AdamBuild
    analysis: TrialAnalysis
    studyid: str
    sdtm: list[Dataset]
    protocol: Protocol


def _both(trial: SimulatedTrial) -> Both:
    engine = make_engine(trial.url)
    try:
        sessions = make_sessionmaker(engine)
        sdtm = build_sdtm(sessions, trial.protocol_id, as_of=trial.data_cut)
        analysis = trial_analysis(sessions, trial.protocol_id, as_of=trial.data_cut)
    finally:
        engine.dispose()
    protocol = load_protocol(trial.protocol_id).protocol
    adam = build_adam(SdtmSource.of(sdtm.datasets), protocol=protocol)
    return Both(adam, analysis, trial.protocol_id.upper(), sdtm.datasets, protocol)


@pytest.fixture(scope="module")
def uclm802(uclm802_trial: SimulatedTrial) -> Both:
    return _both(uclm802_trial)


@pytest.fixture(scope="module")
def szugh(szugh_trial: SimulatedTrial) -> Both:
    return _both(szugh_trial)


@pytest.fixture(params=["uclm802", "szugh"])
def both(request: pytest.FixtureRequest) -> Both:
    result: Both = request.getfixturevalue(request.param)
    return result


def _code(both: Both, usubjid: str) -> str:
    return usubjid.removeprefix(both.studyid + "-")


def test_adam_structure_on_the_simulated_trial(both: Both) -> None:
    for dataset in both.adam.datasets:
        check_dataset(dataset)  # XPORT v5 names, labels and lengths
        assert not dataset.frame.duplicated(list(dataset.keys)).any(), dataset.name
    adsl = both.adam.dataset("ADSL").frame
    assert adsl["USUBJID"].is_unique
    for flag in ("SAFFL", "DLTEVLFL", "TUBLFL", "EFFFL"):
        assert set(adsl[flag]) <= {"Y", "N"}, flag
    adtte = both.adam.dataset("ADTTE").frame
    assert set(adtte["PARAMCD"]) <= {"PFS", "OS", "DOR"}
    assert adtte["EVNTDESC"].notna().eq(adtte["CNSR"] == 0).all()
    assert adtte["CNSDTDSC"].notna().eq(adtte["CNSR"] > 0).all()


def test_infused_subjects_are_the_safety_population(both: Both) -> None:
    adsl = both.adam.dataset("ADSL").frame
    safety = sorted(_code(both, s) for s in adsl.loc[adsl["SAFFL"] == "Y", "USUBJID"])
    assert safety == sorted(both.analysis.summary.infused.subjects)


def test_dlt_evaluable_subjects_equal_the_signed_adjudications(both: Both) -> None:
    adsl = both.adam.dataset("ADSL").frame
    mine = sorted(_code(both, s) for s in adsl.loc[adsl["DLTEVLFL"] == "Y", "USUBJID"])
    assert mine == sorted(both.analysis.summary.dlt_evaluable.subjects)


def test_orr_and_dcr_from_adrs_equal_the_trial_summary(both: Both) -> None:
    adrs = both.adam.dataset("ADRS").frame
    summary = both.analysis.summary
    for param, figure in (("RSP", summary.orr), ("DCR", summary.dcr)):
        rows = adrs[adrs["PARAMCD"] == param]
        assert sorted(_code(both, s) for s in rows["USUBJID"]) == sorted(figure.subjects)
        assert (len(rows), int((rows["AVALC"] == "Y").sum())) == (figure.n, figure.responders)


def test_bor_per_subject_from_adrs_equals_the_trial_summary(both: Both) -> None:
    adrs = both.adam.dataset("ADRS").frame
    main = adrs[adrs["PARAMCD"] == "CBOR"]
    mine = {_code(both, s): v for s, v in zip(main["USUBJID"], main["AVALC"], strict=True)}
    theirs = both.analysis.summary.best_overall_response
    assert {k: mine[k] for k in theirs} == theirs


def _km_median(adtte: pd.DataFrame, param: str) -> float | None:
    rows = adtte[adtte["PARAMCD"] == param]
    if rows.empty:
        return None
    fitter = KaplanMeierFitter().fit(
        rows["AVAL"].astype(float) - 1.0, event_observed=(rows["CNSR"] == 0).astype(int)
    )
    median = float(fitter.median_survival_time_)
    return None if median == float("inf") else median


def test_km_medians_from_adtte_equal_the_trial_summary(both: Both) -> None:
    adtte = both.adam.dataset("ADTTE").frame
    summary = both.analysis.summary
    assert _km_median(adtte, "PFS") == summary.median_pfs_days.estimate
    assert _km_median(adtte, "OS") == summary.median_os_days.estimate
    assert (adtte["PARAMCD"] == "PFS").sum() == summary.median_pfs_days.n
    assert ((adtte["PARAMCD"] == "OS") & (adtte["CNSR"] == 0)).sum() == (
        summary.median_os_days.events
    )


def test_teae_patients_by_term_and_worst_grade_equal_the_safety_tables(both: Both) -> None:
    tables = both.analysis.safety_tables
    assert tables is not None
    theirs = {
        row.term: (row.counts["overall"].any, row.counts["overall"].g3 + row.counts["overall"].g4
                   + row.counts["overall"].g5)
        for row in tables.teae
        if row.term is not None
    }  # fmt: skip
    adae = both.adam.dataset("ADAE").frame
    worst = adae[(adae["MAXGRFL"] == "Y") & adae["ATOXGRN"].notna()]
    mine = {
        term: (len(rows), int((rows["ATOXGRN"] >= 3).sum()))
        for term, rows in worst.groupby("AEDECOD")
    }
    assert mine == theirs


def test_nca_from_adpp_equals_the_trial_kinetics(both: Both) -> None:
    frame = both.analysis.nca_frame
    if frame is None:
        pytest.skip("no qPCR results in this trial")
    adpp = both.adam.dataset("ADPP").frame
    for param, column in (("CMAX", "cmax"), ("TMAX", "tmax"), ("AUCLST", "auclast")):
        rows = adpp[adpp["PARAMCD"] == param]
        mine = {_code(both, s): v for s, v in zip(rows["USUBJID"], rows["AVAL"], strict=True)}
        theirs = {
            str(s): float(v) for s, v in zip(frame["subject"], frame[column], strict=True)
            if pd.notna(v)
        }  # fmt: skip
        assert {k: mine[k] for k in theirs} == pytest.approx(theirs, rel=1e-9)


@pytest.mark.parametrize("file_format", ["json", "xpt"])
def test_adam_from_sdtm_files_equals_adam_in_memory(
    uclm802: Both, tmp_path: Path, file_format: Literal["json", "xpt"]
) -> None:
    """The command's path (SDTM files written, read back) gives the same ADaM."""
    write_package(uclm802.sdtm, tmp_path, study_oid=uclm802.studyid, file_format=file_format)
    again = build_adam(read_sdtm_directory(tmp_path), protocol=uclm802.protocol)
    for mine, theirs in zip(uclm802.adam.datasets, again.datasets, strict=True):
        pd.testing.assert_frame_equal(mine.frame, theirs.frame, check_dtype=False)


def _normalised(value: object) -> object:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def test_adam_xport_files_read_back_equal(uclm802: Both, tmp_path: Path) -> None:
    """Every ADaM dataset of the 87-patient trial through SAS XPORT v5 and back
    (pyreadstat): the same values (blank text is missing, numbers are doubles)."""
    for dataset in uclm802.adam.datasets:
        frame, labels, member = read_xpt(write_xpt(dataset, tmp_path))
        assert member == dataset.name
        assert labels == {v.name: v.label for v in dataset.variables}
        for name in dataset.frame.columns:
            mine = [_normalised(v) for v in dataset.frame[name]]
            back = [_normalised(v) for v in frame[name]]
            assert back == mine, (dataset.name, name)
