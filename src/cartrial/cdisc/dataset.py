"""One CDISC dataset: its rows as a pandas DataFrame and the metadata define.xml describes.

The SDTM builders (``cartrial.cdisc.sdtm``) and the ADaM derivations (``cartrial.cdisc.adam``)
return :class:`Dataset`; the writers (XPORT, Dataset-JSON, define.xml) read it. Variable
metadata follows define.xml 2.1's ItemDef: name, label, data type, length, codelist, origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

__all__ = ["DataType", "Dataset", "Origin", "Variable"]

DataType = Literal["text", "integer", "float", "date", "datetime"]
"""define.xml 2.1 data types used here; ISO 8601 dates and datetimes are stored as text."""

Origin = Literal["Collected", "Derived", "Assigned", "Protocol", "Predecessor"]
"""define.xml 2.1 origin types (def:Origin/@Type)."""


@dataclass(frozen=True)
class Variable:
    """One column of a dataset with the metadata define.xml and the writers need."""

    name: str
    label: str
    data_type: DataType
    origin: Origin
    length: int | None = None
    """Character length (XPORT: at most 200); ``None`` lets the writer take the longest value."""
    codelist: str | None = None
    """The id of a shipped controlled-terminology codelist the values must belong to."""
    role: str | None = None
    """SDTM role (Identifier, Topic, Timing, Grouping Qualifier, ...) or ADaM category."""
    description: str = ""
    """How the value is derived (Derived) or where it comes from (Predecessor: DOMAIN.VAR)."""


@dataclass(frozen=True)
class Dataset:
    """A dataset's rows and metadata; ``frame``'s columns are exactly ``variables``' names."""

    name: str
    label: str
    standard: Literal["SDTMIG 3.4", "ADaMIG 1.3"]
    structure: str
    """define.xml def:Structure, e.g. 'One record per subject'."""
    keys: tuple[str, ...]
    variables: tuple[Variable, ...]
    frame: pd.DataFrame
    dataset_class: str = ""
    """SDTM or ADaM class: 'SPECIAL PURPOSE', 'EVENTS', 'FINDINGS', 'BASIC DATA STRUCTURE'."""
    notes: tuple[str, ...] = field(default=())
    """What a reader of define.xml should know (comments)."""

    def variable(self, name: str) -> Variable:
        """The metadata of ``name``; KeyError names the dataset when it is not a column."""
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(f"{self.name} has no variable {name!r}")
