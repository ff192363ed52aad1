"""Input for the NCA: a long table of CAR-T kinetics samples, validated once, row by row.

One row per sample (CSV or parquet), columns:

| column | required | meaning |
| --- | --- | --- |
| ``subject`` | yes | subject identifier |
| ``analyte`` | yes | ``car_copies`` (CAR transgene by qPCR) or ``car_cells`` (CAR+ cells by flow) |
| ``matrix`` | yes | ``blood`` or ``bone_marrow`` |
| ``actual_day`` | one of the two | actual time since infusion, days (used when given) |
| ``nominal_day`` | one of the two | planned time since infusion, days |
| ``value`` | yes (may be empty) | the result; empty = missing sample, ``BLQ`` or ``<x`` = BLQ |
| ``unit`` | with a value | unit of ``value`` and ``lloq`` (see :data:`ANALYTES`) |
| ``lloq`` | no | lower limit of quantification, same unit |
| ``blq`` | no | ``true``/``false``: the laboratory's below-LLOQ flag |
| ``dose_level``, ``tumour_type`` | no | carried to the results for the summaries |
| ``exclude`` | no | why the sample is left out of the NCA (free text); empty = used |

A sample is BLQ when flagged, written as ``BLQ`` or ``<x``, or below its LLOQ;
it enters the NCA as concentration 0 (PKNCA's convention). Values are converted to
the analyte's canonical unit with the factors below (1 ug = 1000 ng;
1 uL = 1 mm3 = 0.001 mL), read case-sensitively with the litre as ``L`` or ``l``
(:mod:`cartrial.units`). Bad input raises :class:`~cartrial.errors.InputError`
naming the row: an unknown analyte or matrix, a value without a unit or with a
unit not listed for its analyte, a negative value, an unparseable time or value,
a concentration above its plausible limit (:data:`CONCENTRATION_LIMITS`), a
time outside :data:`TIME_RANGE_DAYS`, two samples of one profile at the same
time, an ``exclude`` cell holding a bare
flag instead of a reason (``true``, ``yes``, ``1``, ``x``, ``no``, ``false``, ``0``:
say why, or leave it empty).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartrial.errors import InputError
from cartrial.extras import MissingExtraError
from cartrial.kinetics.profiles import Profiles
from cartrial.kinetics.settings import TIME_RANGE_DAYS
from cartrial.units import normalise_unit, spelling_index

__all__ = [
    "ANALYTES",
    "CONCENTRATION_LIMITS",
    "MATRICES",
    "TIME_RANGE_DAYS",
    "build_profiles",
    "load_samples",
    "validate_samples",
]

ANALYTES: dict[str, tuple[str, dict[str, float]]] = {
    "car_copies": (
        "copies/ug gDNA",
        {
            "copies/ug gDNA": 1.0,
            "copies/ug DNA": 1.0,
            "copies/ug": 1.0,
            "copies/ng gDNA": 1000.0,
            "copies/100 ng gDNA": 10.0,
        },
    ),
    "car_cells": (
        "cells/uL",
        {
            "cells/uL": 1.0,
            "CAR+ cells/uL": 1.0,
            "/uL": 1.0,
            "cells/mm3": 1.0,
            "cells/mL": 0.001,
        },
    ),
}
"""Analyte -> (canonical unit, {accepted unit: factor to the canonical unit})."""

CONCENTRATION_LIMITS: dict[str, float] = {"car_copies": 1e7, "car_cells": 1e6}
"""Analyte -> the largest plausible concentration in its canonical unit (issue 14).

Values above are refused as entry errors (a typo, a unit slip, an overflowing 1e308),
never analysed. Each limit is a physical ceiling with a wide margin, not a clinical one:

* ``car_copies`` (copies/ug gDNA): a human diploid genome weighs about 6.6 pg (haploid
  3.2 Gbp at 978 Mbp/pg; Dolezel et al., Cytometry A 2003;51:127-128), so 1 ug of
  genomic DNA holds about 1.5 x 10^5 cells. Were every cell CAR+ with 10 vector copies
  (twice the < 5 copies per cell that lentiviral CAR-T products are released at), qPCR
  would read 1.5 x 10^6 copies/ug; the limit is 10^7. Reported CAR-T peaks are about
  10^4-10^5 copies/ug (tisagenlecleucel: Mueller et al., Blood 2017;130:2317-2325).
* ``car_cells`` (cells/uL): CAR+ cells are a part of the blood's white cells, and the
  highest white counts reported, in hyperleukocytic leukaemia, are about
  1,000 x 10^9/L = 10^6/uL (hyperleukocytosis starts at 100 x 10^9/L; Ganzel et al.,
  Blood Rev 2012;26:117-122); the limit is 10^6 cells/uL.
"""

MATRICES: dict[str, str] = {
    "blood": "blood",
    "peripheral_blood": "blood",
    "pb": "blood",
    "bone_marrow": "bone_marrow",
    "bm": "bone_marrow",
}

_TRUE = {"true", "t", "yes", "y", "1", "blq"}
_FALSE = {"false", "f", "no", "n", "0", ""}
_REQUIRED = ("subject", "analyte", "matrix", "value", "unit")
_OPTIONAL = (
    "actual_day",
    "nominal_day",
    "lloq",
    "blq",
    "dose_level",
    "tumour_type",
    "exclude",
)
_BARE_FLAGS = (_TRUE | _FALSE | {"x", "excluded", "exclude", "included", "include"}) - {""}


def load_samples(path: Path) -> pd.DataFrame:
    """Read and validate a CSV or parquet sample table (see the module docstring)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            raw = pd.read_parquet(path)
            raw = raw.astype(object).where(raw.notna(), "").astype(str)
        else:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except ImportError as exc:
        if "pyarrow" in str(exc) or "parquet" in str(exc):
            raise MissingExtraError("pyarrow") from exc
        raise
    except (OSError, ValueError) as exc:
        raise InputError("file", str(path), f"a readable CSV or parquet table ({exc})") from exc
    return validate_samples(raw, source=path.name)


def _fail(source: str, row: int, field: str, value: object, expected: str) -> InputError:
    return InputError(field, value, expected, source=f"{source} row {row + 1} (line {row + 2})")


def _first(mask: pd.Series) -> int | None:
    hits = np.flatnonzero(mask.to_numpy())
    return int(hits[0]) if hits.size else None


def _numbers(
    frame: pd.DataFrame, column: str, source: str, *, allow_empty: bool = True
) -> pd.Series:
    text = frame[column].str.strip()
    parsed = pd.to_numeric(text, errors="coerce").astype(float)
    bad = (text != "") & ~np.isfinite(parsed)
    if not allow_empty:
        bad |= text == ""
    row = _first(bad)
    if row is not None:
        raise _fail(source, row, column, frame[column].iloc[row], "a number")
    return parsed


def validate_samples(raw: pd.DataFrame, *, source: str = "input") -> pd.DataFrame:
    """Validate a raw table of strings; returns canonical columns.

    Output columns: subject, analyte, matrix, time (days; actual, else nominal),
    nominal_day, conc (canonical unit,
    0 when BLQ, NaN when missing), unit (canonical), blq, lloq, dose_level,
    tumour_type, exclude (the reason, "" when used), row (0-based input row).
    """
    frame = raw.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if "actual_day" not in frame.columns and "nominal_day" not in frame.columns:
        missing.append("actual_day or nominal_day")
    if missing:
        raise InputError("columns", sorted(frame.columns), "columns " + ", ".join(missing))
    if frame.empty:
        raise InputError("rows", 0, "at least one sample", source=source)
    for column in _OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame.astype(object).where(frame.notna(), "").astype(str)

    subject = frame["subject"].str.strip()
    row = _first(subject == "")
    if row is not None:
        raise _fail(source, row, "subject", "", "a subject identifier")
    analyte = frame["analyte"].str.strip().str.lower()
    row = _first(~analyte.isin(list(ANALYTES)))
    if row is not None:
        raise _fail(
            source, row, "analyte", frame["analyte"].iloc[row], "one of " + ", ".join(ANALYTES)
        )
    matrix_key = frame["matrix"].str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
    row = _first(~matrix_key.isin(list(MATRICES)))
    if row is not None:
        raise _fail(source, row, "matrix", frame["matrix"].iloc[row], "blood or bone_marrow")

    actual = _numbers(frame, "actual_day", source)
    nominal = _numbers(frame, "nominal_day", source)
    low, high = TIME_RANGE_DAYS
    for column, days in (("actual_day", actual), ("nominal_day", nominal)):
        row = _first((days < low) | (days > high))
        if row is not None:
            raise _fail(
                source, row, column, frame[column].iloc[row], f"a day from {low:g} to {high:g}"
            )
    time = actual.where(~actual.isna(), nominal)
    row = _first(time.isna())
    if row is not None:
        raise _fail(source, row, "actual_day", "", "a time in days (actual_day or nominal_day)")

    flag_text = frame["blq"].str.strip().str.lower()
    row = _first(~flag_text.isin(_TRUE | _FALSE))
    if row is not None:
        raise _fail(source, row, "blq", frame["blq"].iloc[row], "true or false")
    value_text = frame["value"].str.strip()
    written_blq = value_text.str.upper().eq("BLQ") | value_text.str.startswith("<")
    blq = flag_text.isin(_TRUE) | written_blq
    value = pd.to_numeric(value_text.where(~written_blq, ""), errors="coerce").astype(float)
    row = _first((value_text != "") & ~written_blq & ~np.isfinite(value))
    if row is not None:
        raise _fail(source, row, "value", frame["value"].iloc[row], "a number, BLQ or <LLOQ")
    row = _first(value < 0)
    if row is not None:
        raise _fail(source, row, "value", frame["value"].iloc[row], "a concentration >= 0")
    lloq = _numbers(frame, "lloq", source)
    row = _first(lloq < 0)
    if row is not None:
        raise _fail(source, row, "lloq", frame["lloq"].iloc[row], "a limit >= 0")

    exclude = frame["exclude"].str.strip()
    row = _first(exclude.str.lower().isin(_BARE_FLAGS))
    if row is not None:
        raise _fail(
            source,
            row,
            "exclude",
            frame["exclude"].iloc[row],
            "the reason the sample is excluded (free text), or empty to use it",
        )

    unit_key = frame["unit"].map({u: normalise_unit(u) for u in frame["unit"].unique()})
    has_number = ~value.isna() | ~lloq.isna()
    row = _first(has_number & (unit_key == ""))
    if row is not None:
        raise _fail(source, row, "unit", "", f"a unit for the value {frame['value'].iloc[row]!r}")
    factor = pd.Series(np.nan, index=frame.index)
    canonical = pd.Series("", index=frame.index)
    for name, (canon, units) in ANALYTES.items():
        is_analyte = analyte == name
        lookup = {key: units[spelled] for key, spelled in spelling_index(units).items()}
        factor = factor.where(~is_analyte, unit_key.map(lookup))
        canonical = canonical.where(~is_analyte, canon)
        row = _first(is_analyte & has_number & factor.isna())
        if row is not None:
            raise _fail(source, row, "unit", frame["unit"].iloc[row], "one of " + ", ".join(units))
    factor = factor.fillna(1.0)
    value = value * factor
    lloq = lloq * factor
    for name, limit in CONCENTRATION_LIMITS.items():
        canon = ANALYTES[name][0]
        for column, amount in (("value", value), ("lloq", lloq)):
            row = _first((analyte == name) & (amount > limit))
            if row is not None:
                raise _fail(
                    source,
                    row,
                    column,
                    frame[column].iloc[row],
                    f"a {name} concentration from 0 to {limit:,.0f} {canon} "
                    f"(after unit conversion; larger is not physically plausible)",
                )
    blq = blq | (value < lloq)
    conc = value.where(~blq, 0.0)

    out = pd.DataFrame(
        {
            "subject": subject,
            "analyte": analyte,
            "matrix": matrix_key.map(MATRICES),
            "time": time,
            "nominal_day": nominal,
            "conc": conc,
            "unit": canonical,
            "blq": blq,
            "lloq": lloq,
            "dose_level": frame["dose_level"].str.strip(),
            "tumour_type": frame["tumour_type"].str.strip(),
            "exclude": exclude,
            "row": np.arange(len(frame)),
        }
    )
    _check_duplicates(out, source)
    _check_constant_per_subject(out, source)
    return out


def _check_duplicates(samples: pd.DataFrame, source: str) -> None:
    dup = samples.duplicated(["subject", "analyte", "matrix", "time"], keep=False)
    if dup.any():
        rows = samples.loc[dup].sort_values(["subject", "analyte", "matrix", "time", "row"])
        first, second = int(rows["row"].iloc[0]), int(rows["row"].iloc[1])
        raise _fail(
            source,
            second,
            "actual_day",
            float(samples["time"].iloc[second]),
            f"one sample per subject, analyte, matrix and time (row {first + 1} has the same)",
        )


def _check_constant_per_subject(samples: pd.DataFrame, source: str) -> None:
    for column in ("dose_level", "tumour_type"):
        counts = samples.groupby("subject")[column].transform("nunique")
        row = _first(counts > 1)
        if row is not None:
            raise _fail(source, row, column, samples[column].iloc[row], "one value per subject")


def build_profiles(samples: pd.DataFrame) -> Profiles:
    """Arrange validated samples as padded profiles (subject x analyte x matrix).

    Samples with an ``exclude`` reason are left out of ``time``/``conc`` and listed
    in ``Profiles.exclusions`` (a profile whose samples are all excluded stays, empty).
    """
    keys = ["subject", "analyte", "matrix"]
    ordered = samples.sort_values([*keys, "time"], kind="stable")
    group_all = ordered.groupby(keys, sort=True).ngroup().to_numpy()
    n_profiles = int(group_all.max()) + 1 if len(group_all) else 0
    reason = (
        ordered["exclude"].to_numpy(dtype=str)
        if "exclude" in ordered.columns
        else np.full(len(ordered), "")
    )
    used = reason == ""
    group = group_all[used]
    kept = ordered.loc[used]
    position = kept.groupby(keys, sort=True).cumcount().to_numpy()
    width = int(position.max()) + 1 if len(position) else 0
    time = np.full((n_profiles, width), np.nan)
    conc = np.full((n_profiles, width), np.nan)
    time[group, position] = kept["time"].to_numpy(dtype=float)
    conc[group, position] = kept["conc"].to_numpy(dtype=float)
    excluded: list[list[tuple[float, str]]] = [[] for _ in range(n_profiles)]
    for g, t, why in zip(
        group_all[~used], ordered["time"].to_numpy(dtype=float)[~used], reason[~used], strict=True
    ):
        excluded[int(g)].append((float(t), str(why)))
    first = ordered.groupby(keys, sort=True).first().reset_index()
    profile_keys = first[[*keys, "unit", "dose_level", "tumour_type"]].copy()
    lloq = ordered.groupby(keys, sort=True)["lloq"].min().to_numpy()
    profile_keys["lloq"] = lloq
    return Profiles(
        keys=profile_keys.reset_index(drop=True),
        time=time,
        conc=conc,
        exclusions=tuple(tuple(e) for e in excluded) if (~used).any() else (),
    )
