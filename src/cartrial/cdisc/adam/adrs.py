"""ADRS: time-point overall responses and the best overall response, unconfirmed and
confirmed, with response and disease-control flags.

Sources: RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247) section 4.6 and
Table 3, applied by the project's engine :func:`cartrial.response.bor.derive_best_overall_response`
with the protocol's response settings (SD minimum, confirmation interval); the parameter
codes follow the pharmaverse admiralonco ADRS template (OVR, BOR, CBOR; rules only).

1. OVR: each RS record RSTESTCD = OVRLRESP after the infusion (RSCAT RECIST 1.1 when a
   subject has more than one category, else the one there is), AVALC = RSSTRESC.
2. BOR (no confirmation) and CBOR (confirmation as RECIST 1.1 Table 3, at least
   ``confirmation_min_days`` apart) over the OVR records up to the first PD; SD counts
   from study day ``sd_min_days`` (days after infusion). One record per subject with
   ADSL.TUBLFL = Y (NE without a post-baseline assessment).
3. RSP: Y when the protocol's BOR (CBOR when the protocol requires confirmation, else
   BOR) is CR or PR; DCR: Y when it is CR, PR, SD or NON-CR/NON-PD; for ADSL.EFFFL = Y.

AVAL codes the response (CR 1, PR 2, SD 3, NON-CR/NON-PD 4, PD 5, NE 6); flags Y = 1, N = 0.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cartrial.cdisc.adam.adae import study_day
from cartrial.cdisc.adam.metadata import assemble, derived, predecessor
from cartrial.cdisc.adam.source import SdtmSource, iso_date
from cartrial.cdisc.dataset import Dataset
from cartrial.protocol.model import Protocol
from cartrial.response.bor import Timepoint, derive_best_overall_response
from cartrial.response.settings import ResponseSettings, settings_from_protocol

__all__ = ["RESPONSE_CODES", "derive_adrs", "overall_responses", "protocol_bor_param"]

RESPONSE_CODES = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6}
PARAMS = {
    "OVR": "Overall Response by Investigator",
    "BOR": "Best Overall Response (RECIST 1.1, unconfirmed)",
    "CBOR": "Best Overall Response (RECIST 1.1, confirmed)",
    "RSP": "Objective Response (CR or PR)",
    "DCR": "Disease Control (CR, PR, SD or NON-CR/NON-PD)",
}
PREFERRED_CATEGORY = "RECIST 1.1"


def protocol_bor_param(protocol: Protocol) -> str:
    """CBOR when the protocol requires confirmation, else BOR."""
    settings = settings_from_protocol(protocol.response)
    return "CBOR" if settings.confirmation_required else "BOR"


def overall_responses(source: SdtmSource, adsl: pd.DataFrame) -> dict[str, list[Timepoint]]:
    """Each infused subject's post-infusion overall responses from RS (rule 1)."""
    rs = source.frame("RS", required=("USUBJID", "RSTESTCD", "RSSTRESC", "RSDTC"))
    infusion = dict(zip(adsl["USUBJID"], adsl["TRTSDT"], strict=True))
    out: dict[str, list[Timepoint]] = {}
    if rs.empty:
        return out
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"].copy()
    if "RSCAT" not in overall.columns:
        overall["RSCAT"] = PREFERRED_CATEGORY
    for subject, rows in overall.groupby("USUBJID", sort=True):
        categories = set(rows["RSCAT"].dropna())
        if len(categories) > 1:
            rows = rows[rows["RSCAT"] == PREFERRED_CATEGORY]
        day0 = infusion.get(subject)
        if day0 is None or pd.isna(day0):
            continue
        points: list[Timepoint] = []
        for value, dtc in zip(rows["RSSTRESC"], rows["RSDTC"], strict=True):
            date = iso_date(dtc)
            if date is None or date <= day0 or value not in RESPONSE_CODES:
                continue
            points.append(Timepoint(date=date, day=(date - day0).days, overall=value))
        out[str(subject)] = sorted(points, key=lambda t: t.date)
    return out


def _has_targets(source: SdtmSource) -> set[str]:
    tu = source.frame("TU")
    if tu.empty or "TUORRES" not in tu.columns:
        return set()
    return set(tu.loc[tu["TUORRES"] == "TARGET", "USUBJID"])


def derive_adrs(
    source: SdtmSource, adsl: pd.DataFrame, protocol: Protocol
) -> tuple[Dataset, dict[str, list[Timepoint]]]:
    """ADRS from RS, TU and ADSL (module rules); also the time points (for ADTTE)."""
    settings = settings_from_protocol(protocol.response)
    unconfirmed = ResponseSettings.model_validate(
        {**settings.model_dump(), "confirmation_required": False}
    )
    confirmed = ResponseSettings.model_validate(
        {**settings.model_dump(), "confirmation_required": True}
    )
    points = overall_responses(source, adsl)
    targets = _has_targets(source)
    check_targets = bool(targets)
    rows: list[dict[str, object]] = []
    main = protocol_bor_param(protocol)
    for _, sl in adsl.iterrows():
        subject = sl["USUBJID"]
        base = {
            "STUDYID": sl["STUDYID"],
            "USUBJID": subject,
            "TRT01A": sl["TRT01A"],
            "TRTSDT": sl["TRTSDT"],
        }
        for tp in points.get(subject, []):
            rows.append(_row(base, "OVR", tp.overall, tp.date, sl["TRTSDT"], "RS.RSSTRESC"))
        if sl["TUBLFL"] != "Y":
            continue
        series = points.get(subject, [])
        with_targets = subject in targets or not check_targets
        best: dict[str, tuple[str, dt.date | None]] = {}
        for param, rules in (("BOR", unconfirmed), ("CBOR", confirmed)):
            result = derive_best_overall_response(
                series, settings=rules, has_target_disease=with_targets
            )
            best[param] = (result.response, result.date)
            rows.append(
                _row(base, param, result.response, result.date, sl["TRTSDT"], result.reasons[-1])
            )
        if sl["EFFFL"] == "Y":
            response, date = best[main]
            rsp = response in ("CR", "PR")
            dcr = response in ("CR", "PR", "SD", "NON-CR/NON-PD")
            why = f"{main} = {response}"
            rows.append(_flag_row(base, "RSP", rsp, date, sl["TRTSDT"], why))
            rows.append(_flag_row(base, "DCR", dcr, date, sl["TRTSDT"], why))
    variables = (
        predecessor("STUDYID", "Study Identifier", "ADSL.STUDYID"),
        predecessor("USUBJID", "Unique Subject Identifier", "ADSL.USUBJID"),
        predecessor("TRT01A", "Actual Treatment for Period 01", "ADSL.TRT01A"),
        predecessor("TRTSDT", "Date of First Exposure to Treatment", "ADSL.TRTSDT", "date"),
        derived("PARAMCD", "Parameter Code", "OVR, BOR, CBOR, RSP, DCR"),
        derived("PARAM", "Parameter", "the parameter's description"),
        derived("AVALC", "Analysis Value (C)", "the response or Y/N (module rules)"),
        derived("AVAL", "Analysis Value", "response code CR 1 ... NE 6; Y 1, N 0", "integer"),
        derived("ADT", "Analysis Date", "RS.RSDTC of the deciding time point", "date"),
        derived("ADY", "Analysis Relative Day", "ADT - TRTSDT (+1 on or after)", "integer"),
        derived(
            "ANL01FL", "Analysis Flag 01", "Y on every record used in the analysis", codelist="NY"
        ),
        derived(
            "DERIVRSN", "Derivation Reason", "the engine's reasons for a BOR; the source otherwise"
        ),
    )
    dataset = assemble(
        name="ADRS",
        label="Response Analysis Dataset",
        structure="One record per subject per parameter per analysis date",
        dataset_class="BASIC DATA STRUCTURE",
        keys=("STUDYID", "USUBJID", "PARAMCD", "ADT"),
        variables=variables,
        rows=rows,
        notes=(
            f"Protocol {protocol.id}: confirmation "
            f"{'required' if settings.confirmation_required else 'not required'}"
            f" (>= {settings.confirmation_min_days} days), SD from day {settings.sd_min_days}; "
            f"RSP and DCR from {main}",
        ),
    )
    return dataset, points


def _row(
    base: dict[str, object], param: str, value: str, date: dt.date | None, trtsdt: dt.date, why: str
) -> dict[str, object]:
    return {
        **base,
        "PARAMCD": param,
        "PARAM": PARAMS[param],
        "AVALC": value,
        "AVAL": RESPONSE_CODES[value],
        "ADT": date,
        "ADY": study_day(date, trtsdt),
        "ANL01FL": "Y",
        "DERIVRSN": why,
    }


def _flag_row(
    base: dict[str, object], param: str, flag: bool, date: dt.date | None, trtsdt: dt.date, why: str
) -> dict[str, object]:
    return {
        **base,
        "PARAMCD": param,
        "PARAM": PARAMS[param],
        "AVALC": "Y" if flag else "N",
        "AVAL": 1 if flag else 0,
        "ADT": date,
        "ADY": study_day(date, trtsdt),
        "ANL01FL": "Y",
        "DERIVRSN": why,
    }
