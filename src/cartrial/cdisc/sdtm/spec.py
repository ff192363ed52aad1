"""SDTMIG 3.4 variable metadata and the one function that turns a frame into a Dataset.

Each domain module declares its variables in SDTMIG 3.4 order with their Core
designation (Req, Exp, Perm: SDTMIG 3.4 section 4.1.5 "Variable Core") and
calls :func:`make_dataset`, which orders the columns, adds an empty column for
a variable with no value in this trial, and refuses a frame column that is not
declared. :data:`CORE` keeps every declared variable's Core for the
conformance tests and for define.xml's ``Mandatory`` attribute (Req -> Yes).

Text values are written in ASCII (FDA Study Data Technical Conformance Guide,
section 3.3.2: SAS transport files carry ASCII text): :func:`to_ascii` spells the
symbols the protocols and the store use (``≥`` -> ``>=``, ``°C`` -> ``C``,
``×`` -> ``x``, ``µ`` -> ``u``, Greek letters by name) and drops accents.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from cartrial.cdisc.dataset import Dataset, DataType, Origin, Variable

__all__ = ["CORE", "Core", "Var", "core_of", "make_dataset", "to_ascii"]

_SPELLED = str.maketrans(
    {
        "≥": ">=",
        "≤": "<=",
        "°": "",
        "×": "x",
        "µ": "u",
        "μ": "u",
        "α": "alpha",
        "β": "beta",
        "γ": "gamma",
        "κ": "kappa",
        "–": "-",
        "—": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "±": "+/-",
        "⁶": "6",
        "⁹": "9",
        "²": "2",
        "³": "3",
        "\u00a0": " ",
    }
)


def to_ascii(text: str) -> str:
    """``text`` in ASCII (module doc).

    >>> to_ascii("Aged 18-75 years (≥18 and ≤75), 2-8 °C, IFN-γ")
    'Aged 18-75 years (>=18 and <=75), 2-8 C, IFN-gamma'
    """
    if text.isascii():
        return text
    spelled = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    return spelled.encode("ascii", "ignore").decode("ascii")


Core = Literal["Req", "Exp", "Perm"]

CORE: dict[tuple[str, str], Core] = {}
"""(dataset, variable) -> Core, filled as the domains are built."""


@dataclass(frozen=True)
class Var:
    """A variable as a domain declares it."""

    name: str
    label: str
    core: Core
    data_type: DataType = "text"
    origin: Origin = "Collected"
    codelist: str | None = None
    role: str | None = None
    description: str = ""


def core_of(dataset: str, variable: str) -> Core | None:
    """The Core designation of ``dataset.variable``, or None when not declared."""
    return CORE.get((dataset, variable))


def make_dataset(
    name: str,
    label: str,
    *,
    dataset_class: str,
    structure: str,
    keys: Sequence[str],
    variables: Sequence[Var],
    frame: pd.DataFrame,
    notes: Sequence[str] = (),
) -> Dataset:
    """The Dataset of ``frame`` with columns in the declared order (module doc)."""
    declared = [v.name for v in variables]
    extra = [c for c in frame.columns if c not in declared]
    if extra:
        raise ValueError(f"{name}: columns {extra} are not declared variables")
    out = frame.reindex(columns=declared).reset_index(drop=True)
    for var in variables:
        CORE[(name, var.name)] = var.core
        if var.data_type == "integer":
            out[var.name] = out[var.name].astype("Int64")
        elif var.data_type == "float":
            out[var.name] = pd.to_numeric(out[var.name], errors="coerce").astype("Float64")
        else:
            column = out[var.name].astype(object)
            column = column.map(lambda v: to_ascii(v) if isinstance(v, str) else v)
            empty = column.isna().to_numpy() | (column == "").to_numpy()
            if empty.any():
                values = column.to_numpy(copy=True)
                values[empty] = None
                column = pd.Series(values, index=column.index, dtype=object)
            out[var.name] = column
    meta = tuple(
        Variable(
            name=v.name,
            label=v.label,
            data_type=v.data_type,
            origin=v.origin,
            codelist=v.codelist,
            role=v.role,
            description=v.description,
        )
        for v in variables
    )
    return Dataset(
        name=name,
        label=label,
        standard="SDTMIG 3.4",
        structure=structure,
        keys=tuple(keys),
        variables=meta,
        frame=out,
        dataset_class=dataset_class,
        notes=tuple(notes),
    )
