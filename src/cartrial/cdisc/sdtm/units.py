"""Stored unit spellings as CDISC UNIT submission values (codelist C71620, shipped CT).

An explicit table, one line per spelling the store accepts for the tests mapped
here (:mod:`cartrial.units`, :mod:`cartrial.vitals`, the assay results). A spelling
not in the table has no CDISC equivalent known to cartrial: the caller logs the
record and leaves it out of the domain (issue 16, "nothing silently dropped").
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.terminology import codelist

__all__ = ["CDISC_UNITS", "cdisc_units"]

CDISC_UNITS: dict[str, str] = {
    "U/L": "U/L",
    "x10^9/L": "10^9/L",
    "10^9/L": "10^9/L",
    "G/L": "10^9/L",
    "mg/dL": "mg/dL",
    "mg/L": "mg/L",
    "ng/mL": "ng/mL",
    "pg/mL": "pg/mL",
    "g/L": "g/L",
    "g/dL": "g/dL",
    "umol/L": "umol/L",
    "/uL": "/uL",
    "ratio": "RATIO",
    "s": "sec",
    "mmol/L": "mmol/L",
    "mL/min": "mL/min",
    "mmHg": "mmHg",
    "/min": "beats/min",
    "beats/min": "beats/min",
    "bpm": "beats/min",
    "breaths/min": "breaths/min",
    "C": "C",
    "%": "%",
    "kg": "kg",
    "cm": "cm",
    "copies/ug gDNA": "copies/ug gDNA",
}


def cdisc_units(spellings: pd.Series) -> pd.Series:
    """The CDISC unit of each stored spelling; None where there is none (caller logs)."""
    allowed = codelist("UNIT").values
    table = {k: v for k, v in CDISC_UNITS.items() if v in allowed}
    return spellings.map(table).astype(object).where(spellings.map(table).notna(), None)
