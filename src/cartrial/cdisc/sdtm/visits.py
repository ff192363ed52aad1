"""SV (Subject Visits, SDTMIG 3.4 section 5.4) and SE (Subject Elements, section 5.3).

- SV: one record per visit done (a stored visit with an actual date); VISITNUM is
  the visit's position in the protocol's schedule (the TV order), VISIT its label,
  VISITDY its planned study day (protocol day N >= 0 -> N + 1, no day 0).
  A visit code not in the protocol's schedule is logged and left out.
- SE: the elements each subject went through (TE, :mod:`trial_design`): SCRN from
  consent to the first lymphodepleting dose (or RFPENDTC when never treated), LD
  from the first lymphodepleting dose to the infusion, CART from the infusion to
  the end of the DLT window, FU after it to RFPENDTC (only when reached).
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_date, iso_datetime, study_days, to_dates

__all__ = ["build_se", "build_sv", "planned_day", "visit_numbers"]

_ID = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
)

SV_VARIABLES = (
    *_ID,
    Var("VISITNUM", "Visit Number", "Req", "integer", "Protocol", role="Topic"),
    Var("VISIT", "Visit Name", "Perm", origin="Protocol"),
    Var("VISITDY", "Planned Study Day of Visit", "Perm", "integer", "Protocol"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("SVSTDTC", "Start Date/Time of Observation", "Exp", "date"),
    Var("SVENDTC", "End Date/Time of Observation", "Exp", "date"),
    Var("SVSTDY", "Study Day of Start of Observation", "Perm", "integer", "Derived"),
    Var("SVENDY", "Study Day of End of Observation", "Perm", "integer", "Derived"),
)

SE_VARIABLES = (
    *_ID,
    Var("SESEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("ETCD", "Element Code", "Req", role="Topic", origin="Derived"),
    Var("ELEMENT", "Description of Element", "Perm", origin="Derived"),
    Var("TAETORD", "Planned Order of Element within Arm", "Perm", "integer", "Derived"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("SESTDTC", "Start Date/Time of Element", "Req", "datetime", "Derived"),
    Var("SEENDTC", "End Date/Time of Element", "Exp", "datetime", "Derived"),
    Var("SESTDY", "Study Day of Start of Element", "Perm", "integer", "Derived"),
    Var("SEENDY", "Study Day of End of Element", "Perm", "integer", "Derived"),
)


def planned_day(day: int) -> int:
    """Protocol day (day 0 = infusion) as an SDTM study day (no day 0).

    >>> planned_day(-5), planned_day(0), planned_day(28)
    (-5, 1, 29)
    """
    return day + 1 if day >= 0 else day


def visit_numbers(ctx: Context) -> dict[str, tuple[int, str, int]]:
    """Visit code -> (VISITNUM, VISIT, VISITDY) from the protocol's schedule order."""
    visits = sorted(ctx.source.protocol.visits, key=lambda v: v.day)
    return {v.id: (i, v.label, planned_day(v.day)) for i, v in enumerate(visits, start=1)}


def build_sv(ctx: Context) -> Dataset:
    """SV (module doc)."""
    visits = ctx.subjects_of(ctx.source.tables["visit"])
    visits = visits[visits["actual_date"].notna()]
    numbers = visit_numbers(ctx)
    known = visits["visit_code"].isin(list(numbers))
    for _, r in visits[~known].iterrows():
        ctx.log.add(
            "SV",
            subject=r["code"],
            table="visit",
            record_id=r["id"],
            field="visit_code",
            value=r["visit_code"],
            expected="a visit of the protocol's schedule; not mapped",
        )
    visits = visits[known]
    info = visits["visit_code"].map(numbers)
    when = to_dates(visits["actual_date"])
    frame = identifiers(ctx, visits, "SV")
    frame["VISITNUM"] = info.str[0]
    frame["VISIT"] = info.str[1]
    frame["VISITDY"] = info.str[2]
    frame["EPOCH"] = ctx.epoch(visits, when)
    frame["SVSTDTC"] = iso_date(when)
    frame["SVENDTC"] = frame["SVSTDTC"]
    frame["SVSTDY"] = study_days(when, visits["rfst"])
    frame["SVENDY"] = frame["SVSTDY"]
    frame = frame.sort_values(["USUBJID", "VISITNUM"])
    names = {v.name for v in SV_VARIABLES}
    return make_dataset(
        "SV",
        "Subject Visits",
        dataset_class="SPECIAL PURPOSE",
        structure="One record per actual visit per subject",
        keys=("STUDYID", "USUBJID", "VISITNUM"),
        variables=SV_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )


def build_se(ctx: Context, rfpendtc: pd.Series) -> Dataset:
    """SE (module doc); ``rfpendtc`` maps subject id -> DM.RFPENDTC (ISO date)."""
    from cartrial.cdisc.sdtm.trial_design import ELEMENTS

    subjects = ctx.source.subjects
    subjects = subjects[subjects["record"].notna()]
    ref = ctx.ref.loc[subjects["id"]]
    consent = to_dates(subjects["consent_date"]).set_axis(ref.index)
    end = to_dates(ref.index.to_series().map(rfpendtc))
    window_end = ref["rfst"].dt.normalize() + pd.Timedelta(days=ctx.window_days + 1)
    rows = []
    for code, start, stop in (
        ("SCRN", consent, ref["ld_start"].fillna(end)),
        ("LD", ref["ld_start"], ref["rfst"].where(ref["rfst"].notna(), end)),
        ("CART", ref["rfst"], window_end.where(window_end <= end, end)),
        ("FU", window_end.where(window_end <= end), end),
    ):
        part = pd.DataFrame(
            {
                "subject_id": ref.index,
                "ETCD": code,
                "start": start.to_numpy(),
                "stop": stop.to_numpy(),
            }
        )
        rows.append(part[part["start"].notna()])
    frame = ctx.subjects_of(pd.concat(rows, ignore_index=True))
    element = {e[0]: e for e in ELEMENTS}
    frame = identifiers(ctx, frame, "SE")
    frame["ELEMENT"] = frame["ETCD"].map(lambda c: element[c][1])
    frame["TAETORD"] = frame["ETCD"].map({e[0]: i for i, e in enumerate(ELEMENTS, start=1)})
    frame["EPOCH"] = frame["ETCD"].map(lambda c: element[c][2])
    has_time = frame["ETCD"].isin(["LD", "CART"])
    frame["SESTDTC"] = iso_datetime(frame["start"]).where(has_time, iso_date(frame["start"]))
    stop_time = frame["ETCD"].isin(["SCRN", "LD"]) & frame["rfst"].notna()
    frame["SEENDTC"] = iso_datetime(frame["stop"]).where(stop_time, iso_date(frame["stop"]))
    frame["SESTDY"] = study_days(frame["start"], frame["rfst"])
    frame["SEENDY"] = study_days(frame["stop"], frame["rfst"])
    frame = sequence(frame, "SE", ["start", "TAETORD"])
    names = {v.name for v in SE_VARIABLES}
    return make_dataset(
        "SE",
        "Subject Elements",
        dataset_class="SPECIAL PURPOSE",
        structure="One record per actual Element per subject",
        keys=("STUDYID", "USUBJID", "ETCD", "SESTDTC"),
        variables=SE_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )
