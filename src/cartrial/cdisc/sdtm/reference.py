"""The subject-level references every domain shares: identifiers, RFSTDTC, epochs.

- STUDYID: the protocol id in upper case (``UCLM802``); SITEID: the site code;
  SUBJID: the subject code as the site writes it (``S01-0002``, which starts with
  the site code); USUBJID = STUDYID-SUBJID, i.e. STUDYID-SITEID-number
  (SDTMIG 3.4 section 5.2 DM: unique across all studies of the sponsor).
- RFSTDTC: the CAR-T infusion start on the site's clock (a sponsor choice SDTMIG
  3.4 DM allows, "usually the date/time of first study treatment"; the protocol
  counts every visit from the infusion as day 0, so study days stay aligned with
  the protocol: protocol day N >= 0 is study day N + 1). RFXSTDTC is the first
  exposure of any EX treatment, the first lymphodepleting dose.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cartrial.cdisc.sdtm.log import MappingLog
from cartrial.cdisc.sdtm.timing import (
    epochs,
    iso_date,
    iso_datetime,
    study_days,
    to_dates,
    to_local,
)
from cartrial.services.cdisc_source import SdtmSource

__all__ = ["DEFAULT_WINDOW_DAYS", "Context", "make_context"]

DEFAULT_WINDOW_DAYS = 28
"""TREATMENT epoch length when the protocol states no DLT window (a 4-week window)."""


@dataclass(frozen=True)
class Context:
    """The source, the subject references and the mapping log of one build."""

    source: SdtmSource
    studyid: str
    ref: pd.DataFrame
    """Indexed by subject id: USUBJID, SUBJID, SITEID, zone, rfst, ld_start, consent, code."""
    window_days: int
    log: MappingLog

    def subjects_of(self, frame: pd.DataFrame, column: str = "subject_id") -> pd.DataFrame:
        """``frame`` with the subject references joined on ``column``."""
        return frame.join(self.ref, on=column)

    def local(self, frame: pd.DataFrame, column: str) -> pd.Series:
        """A stored UTC column of a frame already joined to the references, as site time."""
        return to_local(frame[column], frame["zone"])

    def timing(self, frame: pd.DataFrame, when: pd.Series, prefix: str) -> pd.DataFrame:
        """Add ``{prefix}DTC`` (from text already formatted), ``{prefix}DY`` and EPOCH."""
        out = frame.copy()
        out[f"{prefix}DY"] = study_days(when, frame["rfst"])
        out["EPOCH"] = self.epoch(frame, when)
        return out

    def epoch(self, frame: pd.DataFrame, when: pd.Series) -> pd.Series:
        return epochs(
            when,
            ld_start=frame["ld_start"],
            infusion=frame["rfst"],
            window_days=self.window_days,
            consent=frame["consent"],
        )


def make_context(source: SdtmSource) -> Context:
    """The references of every subject of ``source`` (module doc)."""
    protocol = source.protocol
    studyid = protocol.id.upper()
    subjects = source.subjects
    ref = pd.DataFrame(
        {
            "code": subjects["code"].to_numpy(),
            "SUBJID": subjects["code"].to_numpy(),
            "SITEID": subjects["site_code"].to_numpy(),
            "zone": subjects["time_zone"].to_numpy(),
        },
        index=pd.Index(subjects["id"], name="subject_id"),
    )
    ref["USUBJID"] = studyid + "-" + ref["SUBJID"]
    inf = source.tables["infusion"].set_index("subject_id")["started_at"]
    ref["rfst"] = to_local(ref.index.to_series().map(inf), ref["zone"])
    ld = source.tables["lymphodepletion_dose"].groupby("subject_id")["completed_at"].min()
    ref["ld_start"] = to_local(ref.index.to_series().map(ld), ref["zone"])
    ref["consent"] = to_dates(pd.Series(subjects["consent_date"].to_numpy(), index=ref.index))
    window = protocol.dlt.window_days if protocol.dlt is not None else DEFAULT_WINDOW_DAYS
    return Context(source, studyid, ref, int(window), MappingLog())


__all__ += ["iso_date", "iso_datetime"]
