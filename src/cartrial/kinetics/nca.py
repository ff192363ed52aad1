"""Non-compartmental analysis (NCA) of CAR transgene levels, with PKNCA's rules, vectorised.

Why our own code: no maintained Python library reproduces PKNCA's settings
(BLQ handling by position, its lambda_z point selection, AUClast versus AUCint
over a partial interval) and runs a 10,000-subject trial simulation in
milliseconds; PKNCA (R) is the tool analysts use and our reference, so every
rule here cites the PKNCA function it mirrors and the test suite compares with
PKNCA's own output on a public dataset.

Steps for each profile (all profiles at once, as arrays):

1. Interval [start, inf): missing values dropped, BLQ rules applied
   (:mod:`cartrial.kinetics.blq`).
2. Cmax, Tmax (first time of Cmax; missing when no quantifiable value; PKNCA
   ``pk.calc.cmax``/``pk.calc.tmax``), Tlast and Clast (last quantifiable sample;
   Clast is 0 and Tlast missing for an all-BLQ profile; ``pk.calc.tlast``).
3. AUClast and AUCall (:mod:`cartrial.kinetics.auc`); lambda_z
   (:mod:`cartrial.kinetics.lambda_z`).
4. ``AUCinf,obs = AUClast + Clast/lambda_z`` and ``AUCinf,pred = AUClast +
   Clast,pred/lambda_z``; ``%AUCextrap = 100 (1 - AUClast/AUCinf)`` (PKNCA
   ``pk.calc.auc.inf.obs``, ``pk.calc.aucpext``; 0 for an all-BLQ profile).
5. Partial interval [start, partial_end], both PKNCA conventions: AUClast over
   the interval (``auclast`` with ``end = partial_end``: samples inside the
   interval only, nothing interpolated, so a missing day-28 sample gives the
   area to day 21) and AUCint (``aucint.last``: the concentration at the end is
   interpolated from the whole cleaned profile, 0 after Tlast, area to the last
   quantifiable point; :func:`cartrial.kinetics.auc.aucint_last`), and AUCall over
   the interval (``aucall`` with ``end``: adds the triangle from Clast down to a
   BLQ zero inside the interval). ``auc_partial`` is the one
   ``settings.partial_convention`` names (default ``aucint.last``).
6. Acceptance flags after the fit (r2, span ratio, %AUCextrap); values are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cartrial.kinetics.auc import REASON_NO_DATA, aucint_last, integrate
from cartrial.kinetics.blq import clean_blq, select_interval
from cartrial.kinetics.lambda_z import LambdaZResult, select_lambda_z
from cartrial.kinetics.profiles import FloatArray, Profiles
from cartrial.kinetics.settings import NcaSettings

__all__ = ["PARAMETERS", "NcaTable", "cmax_tmax", "compute_nca"]

StrArray = npt.NDArray[np.object_]

PARAMETERS: tuple[str, ...] = (
    "cmax",
    "tmax",
    "clast",
    "tlast",
    "auclast",
    "aucall",
    "aucinf_obs",
    "aucinf_pred",
    "aucpext_obs",
    "aucpext_pred",
    "lambda_z",
    "lambda_z_n_points",
    "r_squared",
    "adj_r_squared",
    "lambda_z_time_first",
    "lambda_z_time_last",
    "clast_pred",
    "half_life",
    "span_ratio",
    "auclast_partial",
    "aucall_partial",
    "aucint_partial",
    "auc_partial",
)
"""Numeric result columns, in report order (``*_partial``: over [start, partial_end];
``auc_partial`` is the one of the two that ``partial_convention`` names)."""

REASON_ALL_BLQ = "no quantifiable concentration (all BLQ)"
REASON_NO_SAMPLE = REASON_NO_DATA


@dataclass(frozen=True)
class NcaTable:
    """Results for every profile as columns; ``reasons`` and ``flags`` explain them.

    ``values[name]`` is one array per parameter of :data:`PARAMETERS`;
    ``reasons[name]`` says why that parameter is missing ("" when present);
    ``flags`` lists the acceptance criteria a profile fails (values kept).
    """

    keys: pd.DataFrame
    settings: NcaSettings
    values: dict[str, FloatArray]
    reasons: dict[str, StrArray]
    flags: list[list[str]]
    lambda_z_times: FloatArray

    def to_frame(self) -> pd.DataFrame:
        """One row per profile: keys, parameters, reasons (``*_reason``) and flags."""
        frame = self.keys.reset_index(drop=True).copy()
        for name in PARAMETERS:
            frame[name] = self.values[name]
        for name, reason in self.reasons.items():
            frame[f"{name}_reason"] = reason
        frame["lambda_z_times"] = [" ".join(f"{t:g}" for t in ts) for ts in self.points_used()]
        frame["flags"] = ["; ".join(f) for f in self.flags]
        return frame

    def points_used(self) -> list[list[float]]:
        """Per profile, the times of the points of the chosen lambda_z fit ([] if none)."""
        width = self.lambda_z_times.shape[1]
        out: list[list[float]] = []
        for i, points in enumerate(self.values["lambda_z_n_points"]):
            n = 0 if np.isnan(points) else int(points)
            times = self.lambda_z_times[i, width - n :] if n else np.empty(0)
            out.append([float(t) for t in times])
        return out

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per profile, with the lambda_z points used and the reasons."""
        keys = self.keys.reset_index(drop=True).to_dict(orient="records")
        points = self.points_used()
        out: list[dict[str, Any]] = []
        for i, key in enumerate(keys):
            rec: dict[str, Any] = {str(k): _plain(v) for k, v in key.items()}
            for name in PARAMETERS:
                rec[name] = _plain(self.values[name][i])
            rec["lambda_z_times"] = points[i]
            n = len(rec["lambda_z_times"])
            rec["lambda_z_n_points"] = n or None
            rec["reasons"] = {k: str(v[i]) for k, v in self.reasons.items() if v[i]}
            rec["flags"] = list(self.flags[i])
            out.append(rec)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def compute_nca(profiles: Profiles, settings: NcaSettings | None = None) -> NcaTable:
    """Run the NCA steps (module docstring) on every profile.

    >>> from cartrial.kinetics.profiles import profiles_from_lists
    >>> p = profiles_from_lists([[0, 1, 2, 3, 4]], [[0, 8, 4, 2, 1]])
    >>> r = compute_nca(p)
    >>> float(r.values["cmax"][0]), float(r.values["tmax"][0]), float(r.values["tlast"][0])
    (8.0, 1.0, 4.0)
    >>> round(float(r.values["half_life"][0]), 12)
    1.0
    """
    s = settings or NcaSettings()
    t, c, n = select_interval(
        profiles.time,
        profiles.conc,
        start=s.start,
        end=np.inf,
        impute_start_conc0=s.impute_start_conc0,
    )
    cmax, tmax = cmax_tmax(t, c, first=s.first_tmax)
    ct, cc, cn = clean_blq(t, c, s.conc_blq)
    whole = integrate(ct, cc, cn, method=s.auc_method, start=s.start)
    fit = select_lambda_z(
        ct,
        cc,
        tmax=tmax,
        tlast=whole.tlast,
        min_hl_points=s.min_hl_points,
        adj_r_squared_factor=s.adj_r_squared_factor,
        allow_tmax_in_half_life=s.allow_tmax_in_half_life,
    )
    all_blq = (n > 0) & ~(cmax > 0)
    clast = np.where(all_blq, 0.0, whole.clast)
    values: dict[str, FloatArray] = {
        "cmax": cmax,
        "tmax": tmax,
        "clast": clast,
        "tlast": whole.tlast,
        "auclast": whole.auclast,
        "aucall": whole.aucall,
    }
    reasons: dict[str, StrArray] = {}
    lz_reason = fit.reason.copy()
    lz_reason[all_blq] = REASON_ALL_BLQ
    lz_reason[n == 0] = REASON_NO_SAMPLE
    reasons["lambda_z"] = lz_reason
    reasons["auclast"] = whole.reason
    _add_inf(values, reasons, fit, all_blq)
    values.update(
        lambda_z=fit.lambda_z,
        lambda_z_n_points=np.where(fit.n_points > 0, fit.n_points, np.nan),
        r_squared=fit.r_squared,
        adj_r_squared=fit.adj_r_squared,
        lambda_z_time_first=fit.time_first,
        lambda_z_time_last=fit.time_last,
        clast_pred=fit.clast_pred,
        half_life=fit.half_life,
        span_ratio=fit.span_ratio,
    )
    tmax_reason = np.where(np.isnan(tmax), REASON_ALL_BLQ, "").astype(object)
    tmax_reason[n == 0] = REASON_NO_SAMPLE
    reasons["tmax"] = tmax_reason
    _add_partial(values, reasons, profiles, s, ct, cc)
    return NcaTable(
        keys=profiles.keys,
        settings=s,
        values=values,
        reasons=reasons,
        flags=_flags(values, s),
        lambda_z_times=fit.terminal_time,
    )


def cmax_tmax(t: FloatArray, c: FloatArray, *, first: bool) -> tuple[FloatArray, FloatArray]:
    """PKNCA ``pk.calc.cmax`` / ``pk.calc.tmax`` (Tmax missing when no value is > 0)."""
    has = ~np.isnan(c)
    cmax = np.where(has.any(axis=1), np.where(has, c, -np.inf).max(axis=1), np.nan)
    with np.errstate(invalid="ignore"):
        at_max = has & (c == cmax[:, None])
        quantified = cmax > 0
    width = c.shape[1]
    col = np.argmax(at_max, axis=1) if first else width - 1 - np.argmax(at_max[:, ::-1], axis=1)
    tmax = np.where(quantified, t[np.arange(t.shape[0]), col] if width else np.nan, np.nan)
    return cmax, tmax


def _add_inf(
    values: dict[str, FloatArray],
    reasons: dict[str, StrArray],
    fit: LambdaZResult,
    all_blq: npt.NDArray[np.bool_],
) -> None:
    auclast = values["auclast"]
    with np.errstate(divide="ignore", invalid="ignore"):
        extra_obs = values["clast"] / fit.lambda_z
        extra_pred = fit.clast_pred / fit.lambda_z
        inf_obs = auclast + extra_obs
        inf_pred = auclast + extra_pred
        # 100 (1 - AUClast/AUCinf) written as extrapolated/AUCinf: no cancellation when small
        pext_obs = 100.0 * extra_obs / inf_obs
        pext_pred = 100.0 * extra_pred / inf_pred
    # an all-BLQ profile's AUClast is 0, and so is its AUCinf (PKNCA: all-zero AUC is 0)
    zero = all_blq & (auclast == 0)
    values["aucinf_obs"] = np.where(zero, 0.0, inf_obs)
    values["aucinf_pred"] = np.where(zero, 0.0, inf_pred)
    values["aucpext_obs"] = np.where(all_blq, np.nan, pext_obs)
    values["aucpext_pred"] = np.where(all_blq, np.nan, pext_pred)
    why = np.where(
        reasons["auclast"] != "",
        reasons["auclast"],
        np.where(np.isnan(fit.lambda_z), "lambda_z not calculated", ""),
    ).astype(object)
    why[zero] = ""
    reasons["aucinf_obs"] = why


def _add_partial(
    values: dict[str, FloatArray],
    reasons: dict[str, StrArray],
    profiles: Profiles,
    s: NcaSettings,
    clean_t: FloatArray,
    clean_c: FloatArray,
) -> None:
    rows = profiles.time.shape[0]
    if s.partial_end is None:
        values["auclast_partial"] = np.full(rows, np.nan)
        values["aucall_partial"] = np.full(rows, np.nan)
        values["aucint_partial"] = np.full(rows, np.nan)
        values["auc_partial"] = np.full(rows, np.nan)
        return
    end = s.partial_end
    # AUClast over the interval: only samples inside it, BLQ positions judged inside it.
    pt, pc, _ = select_interval(
        profiles.time,
        profiles.conc,
        start=s.start,
        end=end,
        impute_start_conc0=s.impute_start_conc0,
    )
    pt, pc, pn = clean_blq(pt, pc, s.conc_blq)
    part = integrate(pt, pc, pn, method=s.auc_method, start=s.start)
    values["auclast_partial"] = part.auclast
    reasons["auclast_partial"] = part.reason
    values["aucall_partial"] = part.aucall
    reasons["aucall_partial"] = part.reason
    # AUCint (PKNCA aucint.last): concentration at ``end`` from the whole cleaned profile
    aucint, why = aucint_last(clean_t, clean_c, start=s.start, end=end, method=s.auc_method)
    values["aucint_partial"] = aucint
    reasons["aucint_partial"] = why
    chosen = {
        "aucint.last": "aucint_partial",
        "auclast": "auclast_partial",
        "aucall": "aucall_partial",
    }[s.partial_convention]
    values["auc_partial"] = values[chosen]
    reasons["auc_partial"] = reasons[chosen]


def _flags(values: dict[str, FloatArray], s: NcaSettings) -> list[list[str]]:
    """Acceptance criteria failed by each profile (computed after the fit)."""
    with np.errstate(invalid="ignore"):
        low_r2 = values["r_squared"] < s.min_r_squared
        short_span = values["span_ratio"] < s.min_span_ratio
        high_ext = values["aucpext_obs"] > s.max_pct_extrapolated
    texts = (
        (low_r2, f"r_squared < {s.min_r_squared:g}"),
        (short_span, f"span_ratio < {s.min_span_ratio:g}"),
        (high_ext, f"aucpext_obs > {s.max_pct_extrapolated:g}%"),
    )
    flags: list[list[str]] = [[] for _ in range(low_r2.shape[0])]
    for mask, text in texts:
        for i in np.flatnonzero(mask):
            flags[i].append(text)
    return flags
