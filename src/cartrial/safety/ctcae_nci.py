"""NCI's CTCAE v5.0 term list (837 terms) as package data.

Source: National Cancer Institute, Common Terminology Criteria for Adverse Events
(CTCAE) version 5.0, 27 November 2017, the spreadsheet CTCAE_v5.0.xlsx as NCI
publishes it (https://ctep.cancer.gov/protocoldevelopment/electronic_applications/ctc.htm).
``data/ctcae_v5_nci.csv`` carries its rows unchanged (the header comment of the
file says where the copy came from and how it was checked): for each term the
MedDRA code (MedDRA 20.1 lowest level term), the MedDRA system organ class, the
text of grades 1-5 (``" -"`` where CTCAE defines no such grade for the term), the
definition and the navigational note.

:func:`load_nci_terms` reads the file once. :mod:`cartrial.safety.ctcae` builds
its table from it: every term is accepted, lab terms keep their thresholds.

>>> terms = load_nci_terms()
>>> len(terms)
837
>>> aki = next(t for t in terms if t.term == "Acute kidney injury")
>>> (aki.meddra_code, aki.soc, sorted(aki.grades))
(10069339, 'Renal and urinary disorders', [3, 4, 5])
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

__all__ = ["NCI_SOURCE", "NciTerm", "load_nci_terms"]

NCI_SOURCE = "NCI CTCAE v5.0 (27 Nov 2017), CTCAE_v5.0.xlsx as published"

_COLUMNS = [
    "MedDRA Code",
    "MedDRA SOC",
    "CTCAE Term",
    "Grade 1",
    "Grade 2",
    "Grade 3",
    "Grade 4",
    "Grade 5",
    "Definition",
    "Navigational Note",
    "CTCAE v5.0 Change",
]
_NOT_DEFINED = "-"  # NCI prints " -" in a grade cell CTCAE does not define for the term


@dataclass(frozen=True)
class NciTerm:
    """One row of NCI's CTCAE v5.0 list; ``grades`` holds only the grades CTCAE defines."""

    meddra_code: int
    soc: str
    term: str
    grades: dict[int, str]
    definition: str | None
    navigational_note: str | None


def _text(cell: str) -> str | None:
    value = cell.strip()
    return None if value in ("", _NOT_DEFINED) else value


def _parse(text: str) -> tuple[NciTerm, ...]:
    lines = io.StringIO("".join(ln for ln in text.splitlines(keepends=True) if ln[:1] != "#"))
    reader = csv.DictReader(lines)
    if reader.fieldnames != _COLUMNS:
        raise ValueError(f"ctcae_v5_nci.csv: columns {reader.fieldnames}, expected {_COLUMNS}")
    out: list[NciTerm] = []
    for row in reader:
        grades = {g: t for g in range(1, 6) if (t := _text(row[f"Grade {g}"])) is not None}
        out.append(
            NciTerm(
                meddra_code=int(row["MedDRA Code"]),
                soc=row["MedDRA SOC"].strip(),
                term=row["CTCAE Term"].strip(),
                grades=grades,
                definition=_text(row["Definition"]),
                navigational_note=_text(row["Navigational Note"]),
            )
        )
    return tuple(out)


@functools.cache
def load_nci_terms() -> tuple[NciTerm, ...]:
    """The 837 CTCAE v5.0 terms, in NCI's order (by SOC, then term)."""
    data = resources.files("cartrial.safety").joinpath("data/ctcae_v5_nci.csv")
    return _parse(data.read_text("utf-8"))
