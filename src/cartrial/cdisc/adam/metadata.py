"""Variable metadata helpers of the ADaM datasets and the one way a dataset is assembled.

ADaMIG 1.3 section 3: a variable copied from SDTM is a Predecessor (its source named,
``DM.AGE``); a computed one is Derived with its method; dates are numeric SAS dates
(``datetime.date`` here, ``DATE9.`` in XPORT).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cartrial.cdisc.dataset import Dataset, DataType, Variable

__all__ = ["assemble", "derived", "predecessor"]


def predecessor(name: str, label: str, source: str, data_type: DataType = "text") -> Variable:
    """A variable copied from SDTM ``source`` (``DOMAIN.VARIABLE``)."""
    return Variable(name, label, data_type, "Predecessor", description=source)


def derived(
    name: str,
    label: str,
    method: str,
    data_type: DataType = "text",
    *,
    codelist: str | None = None,
) -> Variable:
    """A variable derived by ``method`` (written to define.xml as its MethodDef)."""
    return Variable(name, label, data_type, "Derived", description=method, codelist=codelist)


def assemble(
    *,
    name: str,
    label: str,
    structure: str,
    dataset_class: str,
    keys: Sequence[str],
    variables: Sequence[Variable],
    rows: list[dict[str, object]] | pd.DataFrame,
    notes: Sequence[str] = (),
) -> Dataset:
    """A :class:`Dataset` whose frame holds exactly ``variables`` in order, sorted by keys."""
    names = [v.name for v in variables]
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=names)
    frame = frame.reindex(columns=names).astype(object)
    frame = frame.where(frame.notna(), None)
    for var in variables:
        convert = {"integer": _integer, "float": _float}.get(var.data_type)
        if convert is not None:
            values = [convert(v) for v in frame[var.name]]
            frame[var.name] = pd.Series(values, index=frame.index, dtype=object)
    if len(frame):
        frame = frame.sort_values(list(keys), kind="stable", key=_sortable).reset_index(drop=True)
    return Dataset(
        name=name,
        label=label,
        standard="ADaMIG 1.3",
        structure=structure,
        keys=tuple(keys),
        variables=tuple(variables),
        frame=frame,
        dataset_class=dataset_class,
        notes=tuple(notes),
    )


def _integer(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type,call-overload]


def _sortable(column: pd.Series) -> pd.Series:
    return column.map(
        lambda v: "" if v is None else (f"{v:020.6f}" if isinstance(v, float | int) else str(v))
    )
