"""NCA over several intervals at once, as one long table of parameter codes.

PKNCA computes each parameter over the intervals it is asked for (``intervals``
data frame: ``start``, ``end`` and one column per parameter) and returns a long
table (``as.data.frame(pk.nca(...))``: ``start``, ``end``, ``PPTESTCD``,
``PPORRES``, ``exclude``). This module does the same on cartrial's arrays, with
the parameter codes of CDISC SDTM PP (``PPTESTCD``, NCI codelist C85493 "PK
Parameters Code"; SDTMIG v3.3 section 6.3.10.2) so that SDTM PP and ADaM ADPP
can be built from it without renaming, and PKNCA's name beside each code.

Per finite interval [start, end] (PKNCA ``pk.nca`` with the interval's
``start``/``end``): Cmax, Tmax, Tlast, Clast, AUClast and AUCall from the
samples inside the interval (BLQ rules judged inside it,
:mod:`cartrial.kinetics.blq`), and AUCint (PKNCA ``aucint.last``,
:func:`cartrial.kinetics.auc.aucint_last`: the concentrations at the ends from
the whole cleaned profile). For [start, inf) every parameter of
:func:`cartrial.kinetics.nca.compute_nca` (lambda_z and the AUCinf family only
there, as PKNCA computes them on the open interval).

Columns: the profile keys, ``start``, ``end`` (days; ``inf`` for the open
interval), ``parameter`` (the PP code), ``pknca`` (PKNCA's name), ``value``,
``unit``, ``reason`` (why the value is missing, "" when present), ``flags``
(acceptance criteria a lambda_z-based value fails; values are kept) and
``exclusion`` (samples inside the interval excluded from the analysis, with
their reasons, from the input's ``exclude`` column).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cartrial.kinetics.auc import aucint_last, integrate
from cartrial.kinetics.blq import clean_blq, select_interval
from cartrial.kinetics.nca import NcaTable, cmax_tmax, compute_nca
from cartrial.kinetics.profiles import FloatArray, Profiles
from cartrial.kinetics.settings import NcaSettings

__all__ = ["PARAMETER_CODES", "ParameterCode", "interval_values", "long_table"]

StrArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class ParameterCode:
    """A PP parameter code: its NCA column, PKNCA's name and its unit pattern.

    ``unit`` uses ``{c}`` for the concentration unit and ``{t}`` for the time unit.
    """

    column: str
    pknca: str
    unit: str


PARAMETER_CODES: dict[str, ParameterCode] = {
    "CMAX": ParameterCode("cmax", "cmax", "{c}"),
    "TMAX": ParameterCode("tmax", "tmax", "{t}"),
    "TLST": ParameterCode("tlast", "tlast", "{t}"),
    "CLST": ParameterCode("clast", "clast.obs", "{c}"),
    "AUCLST": ParameterCode("auclast", "auclast", "{c}*{t}"),
    "AUCALL": ParameterCode("aucall", "aucall", "{c}*{t}"),
    "AUCINT": ParameterCode("aucint", "aucint.last", "{c}*{t}"),
    "AUCIFO": ParameterCode("aucinf_obs", "aucinf.obs", "{c}*{t}"),
    "AUCIFP": ParameterCode("aucinf_pred", "aucinf.pred", "{c}*{t}"),
    "AUCPEO": ParameterCode("aucpext_obs", "aucpext.obs", "%"),
    "AUCPEP": ParameterCode("aucpext_pred", "aucpext.pred", "%"),
    "LAMZ": ParameterCode("lambda_z", "lambda.z", "1/{t}"),
    "LAMZHL": ParameterCode("half_life", "half.life", "{t}"),
    "LAMZNPT": ParameterCode("lambda_z_n_points", "lambda.z.n.points", "count"),
    "LAMZLL": ParameterCode("lambda_z_time_first", "lambda.z.time.first", "{t}"),
    "LAMZUL": ParameterCode("lambda_z_time_last", "lambda.z.time.last", "{t}"),
    "R2": ParameterCode("r_squared", "r.squared", ""),
    "R2ADJ": ParameterCode("adj_r_squared", "adj.r.squared", ""),
    "CLSTP": ParameterCode("clast_pred", "clast.pred", "{c}"),
    "LAMZSPN": ParameterCode("span_ratio", "span.ratio", ""),
}
"""PP code -> parameter; codes from CDISC SDTM CT codelist C85493 (PKPARMCD)."""

FINITE_CODES = ("CMAX", "TMAX", "TLST", "CLST", "AUCLST", "AUCALL", "AUCINT")
"""What each finite interval reports (lambda_z needs the open interval)."""

LAMBDA_Z_CODES = frozenset(
    {"LAMZ", "LAMZHL", "LAMZNPT", "LAMZLL", "LAMZUL", "R2", "R2ADJ", "CLSTP", "LAMZSPN"}
    | {"AUCIFO", "AUCIFP", "AUCPEO", "AUCPEP"}
)


def interval_values(
    profiles: Profiles, settings: NcaSettings, start: float, end: float
) -> tuple[dict[str, FloatArray], dict[str, StrArray]]:
    """Cmax, Tmax, Tlast, Clast, AUClast, AUCall and AUCint over [start, end] per profile."""
    rows = profiles.time.shape[0]
    impute = settings.impute_start_conc0 and start == settings.start
    t, c, n = select_interval(
        profiles.time, profiles.conc, start=start, end=end, impute_start_conc0=impute
    )
    cmax, tmax = cmax_tmax(t, c, first=settings.first_tmax)
    ct, cc, cn = clean_blq(t, c, settings.conc_blq)
    area = integrate(ct, cc, cn, method=settings.auc_method, start=start)
    # AUCint interpolates from the whole cleaned profile (PKNCA aucint.last)
    wt, wc, _ = select_interval(
        profiles.time,
        profiles.conc,
        start=settings.start,
        end=np.inf,
        impute_start_conc0=settings.impute_start_conc0,
    )
    wt, wc, _ = clean_blq(wt, wc, settings.conc_blq)
    aucint, aucint_reason = aucint_last(wt, wc, start=start, end=end, method=settings.auc_method)
    all_blq = (n > 0) & ~(cmax > 0)
    no_value = np.full(rows, "", dtype=object)
    no_value[n == 0] = "no sample in the interval"
    blq_reason = no_value.copy()
    blq_reason[all_blq] = "no quantifiable concentration (all BLQ)"
    values = {
        "cmax": cmax,
        "tmax": tmax,
        "tlast": area.tlast,
        "clast": np.where(all_blq, 0.0, area.clast),
        "auclast": area.auclast,
        "aucall": area.aucall,
        "aucint": aucint,
    }
    reasons = {
        "cmax": no_value,
        "tmax": blq_reason,
        "tlast": blq_reason,
        "clast": no_value,
        "auclast": area.reason,
        "aucall": area.reason,
        "aucint": aucint_reason,
    }
    return values, reasons


def long_table(
    profiles: Profiles,
    settings: NcaSettings | None = None,
    *,
    time_unit: str = "day",
    whole: NcaTable | None = None,
) -> pd.DataFrame:
    """One row per profile, interval and parameter (module docstring); ``whole`` reused if given."""
    s = settings or NcaSettings()
    nca = whole if whole is not None else compute_nca(profiles, s)
    keys = profiles.keys.reset_index(drop=True)
    conc_units = keys["unit"].astype(str).tolist() if "unit" in keys.columns else [""] * len(keys)
    parts: list[pd.DataFrame] = []
    for start, end in s.intervals:
        values, reasons = interval_values(profiles, s, start, end)
        for code in FINITE_CODES:
            column = PARAMETER_CODES[code].column
            parts.append(
                _block(keys, profiles, code, start, end, values[column], reasons[column], None)
            )
    flags = np.array(["; ".join(f) for f in nca.flags], dtype=object)
    for code, spec in PARAMETER_CODES.items():
        if code == "AUCINT":
            continue
        reason = nca.reasons.get(spec.column)
        if reason is None and code in LAMBDA_Z_CODES:
            reason = nca.reasons["lambda_z"]
        parts.append(
            _block(
                keys,
                profiles,
                code,
                s.start,
                np.inf,
                nca.values[spec.column],
                reason,
                flags if code in LAMBDA_Z_CODES else None,
            )
        )
    table = pd.concat(parts, ignore_index=True).drop(columns=["unit"], errors="ignore")
    units = {code: spec.unit for code, spec in PARAMETER_CODES.items()}
    conc_of_row = np.tile(np.asarray(conc_units, dtype=object), len(parts))
    table.insert(
        list(table.columns).index("value") + 1,
        "unit",
        [
            units[code].format(c=conc, t=time_unit)
            for code, conc in zip(table["parameter"], conc_of_row, strict=True)
        ],
    )
    return table


def _block(
    keys: pd.DataFrame,
    profiles: Profiles,
    code: str,
    start: float,
    end: float,
    values: FloatArray,
    reasons: StrArray | None,
    flags: StrArray | None,
) -> pd.DataFrame:
    rows = len(keys)
    block = keys.copy()
    block["start"] = float(start)
    block["end"] = float(end)
    block["parameter"] = code
    block["pknca"] = PARAMETER_CODES[code].pknca
    block["value"] = np.asarray(values, dtype=float)
    block["reason"] = list(reasons) if reasons is not None else [""] * rows
    block["flags"] = list(flags) if flags is not None else [""] * rows
    block["exclusion"] = [profiles.excluded_in(i, start, end) for i in range(rows)]
    return block
