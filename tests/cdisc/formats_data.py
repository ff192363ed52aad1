"""Small hand-built datasets for the format tests (values chosen by hand, not generated)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cartrial.cdisc.dataset import Dataset, Variable


def demographics() -> Dataset:
    """Three DM rows, one missing death date, an ADaM-style numeric date column."""
    variables = (
        Variable("STUDYID", "Study Identifier", "text", "Protocol", role="Identifier"),
        Variable("USUBJID", "Unique Subject Identifier", "text", "Assigned", role="Identifier"),
        Variable("AGE", "Age", "integer", "Collected", role="Record Qualifier"),
        Variable("HEIGHT", "Height in cm", "float", "Collected"),
        Variable("RFSTDTC", "Subject Reference Start Date/Time", "date", "Derived"),
        Variable("TRTSDT", "Date of First Exposure to Treatment", "date", "Derived"),
    )
    frame = pd.DataFrame(
        {
            "STUDYID": ["UCLM802"] * 3,
            "USUBJID": ["UCLM802-01-001", "UCLM802-01-002", "UCLM802-02-003"],
            "AGE": [61, 47, 70],
            "HEIGHT": [172.5, None, 160.25],
            "RFSTDTC": ["2026-01-05", "2026-02", None],
            "TRTSDT": [dt.date(2026, 1, 5), None, dt.date(2026, 3, 9)],
        }
    )
    return Dataset(
        name="DM",
        label="Demographics",
        standard="SDTMIG 3.4",
        structure="One record per subject",
        keys=("STUDYID", "USUBJID"),
        variables=variables,
        frame=frame,
        dataset_class="SPECIAL PURPOSE",
    )


def with_variable(dataset: Dataset, variable: Variable, values: list[object]) -> Dataset:
    """``dataset`` with one more column."""
    frame = dataset.frame.copy()
    frame[variable.name] = values
    return Dataset(
        name=dataset.name,
        label=dataset.label,
        standard=dataset.standard,
        structure=dataset.structure,
        keys=dataset.keys,
        variables=(*dataset.variables, variable),
        frame=frame,
        dataset_class=dataset.dataset_class,
    )
