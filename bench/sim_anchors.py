"""Calibration of the patient model: published anchor vs simulated (model, n=100,000).

Draws 100,000 virtual patients per bundled scenario, gives them the protocol's
dose levels in equal shares (the scenario's levels where the protocol states
none) and prints a Markdown table for docs/simulation.md. "Published" is the
anchor from ../shared/design/SIMULATOR_ANCHORS.md; "model" is the latent truth
(no measurement error, no grading engine), summarised by cartrial.sim.anchors.
Usage: ``PYTHONPATH=src python bench/sim_anchors.py [protocol-id ...] [--n N]
[--service-cache DIR]``.

Whole-trial columns: with ``--service-cache`` (default: ``bench/trial_agreement.py``'s
cache), the service-path trials cached there (uclm802) give each anchor as the
trial's database says it, and "model at the doses given" the latent model for
the same dose mix (per-level draws weighted by the service's infused patients), with
z = (service - model) / SE where the SE is derived (binomial for rates; the
Brookmeyer-Crowley CI of the Kaplan-Meier median for medians, its width / 3.92).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from cartrial.protocol.load import load_bundled
from cartrial.sim.anchors import compute_detectable_fraction, compute_latent_response
from cartrial.sim.model import at_dose, draw_patients
from cartrial.sim.patients import VirtualPatients
from cartrial.sim.scenario import Scenario, bundled_scenario, bundled_scenario_ids
from cartrial.survival.km import DAYS_PER_MONTH, compute_kaplan_meier

DEFAULT_SERVICE_CACHE = Path("/tmp/cartrial-agreement")


def dose_levels(scenario: Scenario) -> list[float]:
    """The protocol's dose levels (cells/kg), or the scenario's where the protocol has none."""
    levels = [
        float(d.cells_per_kg) for d in load_bundled(scenario.protocol_id).protocol.dose_levels
    ]
    return levels or [d.value for d in scenario.dose_levels_cells_per_kg]


def treated_cohort(scenario: Scenario, n: int, seed: int) -> tuple[VirtualPatients, list[float]]:
    """``n`` patients, each given one of the dose levels in turn."""
    levels = dose_levels(scenario)
    patients = draw_patients(scenario, np.random.default_rng(seed), n)
    doses = np.array(levels)[np.arange(n) % len(levels)]
    return at_dose(patients, doses, scenario), levels


def rows(scenario: Scenario, n: int, seed: int) -> list[tuple[str, str, str]]:
    """(anchor, published, simulated) rows for one scenario."""
    drawn = draw_patients(scenario, np.random.default_rng(seed), n)
    treated, levels = treated_cohort(scenario, n, seed)
    response = compute_latent_response(treated, horizon_days=scenario.survival.horizon_days.value)
    non_msln = (drawn.screen_failure != "") & (drawn.screen_failure != "msln_negative")
    per_level = ", ".join(
        f"{np.mean(treated.crs_grade[treated.dose_cells_per_kg == d] >= 3):.0%}" for d in levels
    )
    out = [
        (
            "MSLN IHC positive (consented)",
            "4.4 by type (e.g. ovarian 97%, MPM 69%)",
            f"{drawn.msln_positive.mean():.1%}",
        ),
        (
            "screen failure, non-MSLN (MSLN+)",
            "P16: 15-24.6%",
            f"{non_msln[drawn.msln_positive].mean():.1%}",
        ),
        ("manufacturing failure", "P18: 5% (1-15%)", f"{drawn.manufacturing_failed.mean():.1%}"),
        (
            "CAR detectable in blood, day 28",
            "P5/P6: ~0.8 (huCART-meso d21 16/20)",
            f"{compute_detectable_fraction(treated, 28.0, scenario):.2f}",
        ),
        (
            "CAR detectable in blood, 12 months",
            "P5/P6: ~0.25 (huCART-meso 5/20)",
            f"{compute_detectable_fraction(treated, 365.0, scenario):.2f}",
        ),
        ("CRS any grade", "P9: 35% (huCART-meso 7/20)", f"{np.mean(treated.crs_grade >= 1):.1%}"),
        (
            "CRS grade >= 3",
            "P9: gavo-cel 25% overall, 15% at RP2D",
            f"{np.mean(treated.crs_grade >= 3):.1%}",
        ),
        ("CRS grade >= 3 by dose level", "rising with dose (gavo-cel DL5)", per_level),
        (
            "ICANS any grade",
            "none reported in MSLN rows (Guo 2025)",
            f"{np.mean(treated.icans_grade >= 1):.1%}",
        ),
        (
            "pneumonitis/serositis grade >= 3",
            "P10: 16% overall, 0 at RP2D (gavo-cel)",
            f"{np.mean(treated.off_tumour_grade >= 3):.1%}",
        ),
        (
            "ORR (unconfirmed / confirmed)",
            "P15: gavo-cel 20% / 13%",
            f"{response.responder.mean():.1%} / {response.confirmed_responder.mean():.1%}",
        ),
        (
            "DCR",
            "P15: 77% gavo-cel, 68.8% M28z, SD 60% huCART-meso",
            f"{response.disease_control.mean():.1%}",
        ),
        (
            "median PFS",
            "P15: 12.3 weeks (huCART-meso)",
            f"{np.median(response.pfs_day) / 7:.1f} weeks",
        ),
        (
            "median OS",
            "P15: 26.1 weeks (huCART-meso) - 11.2 months (gavo-cel MPM)",
            f"{np.median(treated.death_day) / 30.4375:.1f} months",
        ),
        ("6-month OS", "P15: 70% (gavo-cel)", f"{np.mean(treated.death_day > 182.6):.0%}"),
    ]
    return out


def _km(times: list[tuple[float, bool]]) -> tuple[float, float, float]:
    """KM median (days), its SE from the Brookmeyer-Crowley 95% CI, and S(182.625 d)."""
    km = compute_kaplan_meier(
        durations=[t for t, _ in times], events=[e for _, e in times], landmarks=(182.625,)
    )
    median = km.median if km.median is not None else math.inf
    low, high = km.median_ci_low, km.median_ci_high
    se = (high - low) / 3.92 if low is not None and high is not None else math.nan
    return median, se, km.landmarks[0].survival or math.nan


def _z(difference: float, se: float) -> str:
    """z, or why there is none (PFS events fall on scan days: a median's CI can be one day)."""
    if not se > 0:
        return "n/a (the KM median's 95% CI is a single day)"
    return f"{difference / se:+.1f}"


def _rate(hits: int, n: int, p0: float) -> str:
    z = (hits / n - p0) / math.sqrt(p0 * (1 - p0) / n) if n and 0 < p0 < 1 else math.nan
    return f"{hits / n:.1%} ({hits}/{n}) | {p0:.1%} | {z:+.1f}"


def service_rows(
    scenario: Scenario, records: list[dict[str, Any]], n: int, seed: int
) -> dict[str, str]:
    """Anchor -> "service | model at the doses given | z" from cached service-path trials."""
    levels = dose_levels(scenario)
    subjects = [s for r in records for s in r["subjects"].values()]
    infused = [s for s in subjects if s["infused"]]
    mix = np.bincount([int(s["dose_level"]) for s in infused], minlength=len(levels) + 1)[1:]
    drawn = draw_patients(scenario, np.random.default_rng(seed), n)
    ok = (drawn.screen_failure == "") & ~drawn.manufacturing_failed
    base = drawn.take(np.flatnonzero(ok))
    per_level = [at_dose(base, np.full(base.n, d), scenario) for d in levels]
    weights = mix / mix.sum()

    def model(f: Any) -> float:
        return float(sum(w * f(p) for w, p in zip(weights, per_level, strict=True)))

    out: dict[str, str] = {}
    msln = [s for s in subjects if s["msln"] is not None]
    out["MSLN IHC positive (consented)"] = _rate(
        sum(s["msln"] == "positive" for s in msln), len(msln), float(drawn.msln_positive.mean())
    )
    positive = [s for s in msln if s["msln"] == "positive"]
    non_msln = (drawn.screen_failure != "") & (drawn.screen_failure != "msln_negative")
    out["screen failure, non-MSLN (MSLN+)"] = _rate(
        sum(s["status"] == "screen_failed" for s in positive),
        len(positive),
        float(non_msln[drawn.msln_positive].mean()),
    )
    lots = [s["lot"] for s in subjects if s["lot"] in ("released", "rejected")]
    out["manufacturing failure"] = _rate(
        lots.count("rejected"), len(lots), float(drawn.manufacturing_failed.mean())
    )
    for day, name in ((28, "day 28"), (365, "12 months")):
        sampled = [
            [v for d, v, _ in s["qpcr"] if d == day]
            for s in infused
            if any(d == day for d, _, _ in s["qpcr"])
        ]
        hits = sum(1 for v in sampled if v and v[0] is not None)
        p0 = model(lambda p, day=day: compute_detectable_fraction(p, float(day), scenario))
        out[f"CAR detectable in blood, {name}"] = (
            _rate(hits, len(sampled), p0) + " (service: among those sampled that day)"
        )
    for g, name in ((1, "CRS any grade"), (3, "CRS grade >= 3")):
        out[name] = _rate(
            sum(s["crs"] >= g for s in infused), len(infused),
            model(lambda p, g=g: np.mean(p.crs_grade >= g)),
        )  # fmt: skip
    response = [
        compute_latent_response(p, horizon_days=scenario.survival.horizon_days.value)
        for p in per_level
    ]
    evaluable = [s for s in infused if s["bor"] is not None]
    p_orr = float(
        sum(w * r.confirmed_responder.mean() for w, r in zip(weights, response, strict=True))
    )
    p_dcr = float(sum(w * r.disease_control.mean() for w, r in zip(weights, response, strict=True)))
    out["ORR (unconfirmed / confirmed)"] = (
        _rate(sum(s["bor"] in ("CR", "PR") for s in evaluable), len(evaluable), p_orr)
        + " (service: confirmed, response-evaluable)"
    )
    out["DCR"] = _rate(
        sum(s["bor"] in ("CR", "PR", "SD", "NON-CR/NON-PD") for s in evaluable),
        len(evaluable),
        p_dcr,
    )
    pfs = [(float(s["pfs"][0]), bool(s["pfs"][1])) for s in infused if "pfs" in s]
    os_ = [(float(s["os"][0]), bool(s["os"][1])) for s in infused if "os" in s]
    m_pfs, se_pfs, _ = _km(pfs)
    m_os, se_os, six = _km(os_)
    model_pfs = _weighted_median([r.pfs_day for r in response], weights)
    model_os = _weighted_median([p.death_day for p in per_level], weights)
    six_model = model(lambda p: np.mean(p.death_day > 182.625))
    out["median PFS"] = (
        f"{m_pfs / 7:.1f} weeks (KM, n={len(pfs)}) | {model_pfs / 7:.1f} weeks | "
        f"{_z(m_pfs - model_pfs, se_pfs)}"
    )
    out["median OS"] = (
        f"{m_os / DAYS_PER_MONTH:.1f} months (KM, n={len(os_)}) | "
        f"{model_os / DAYS_PER_MONTH:.1f} months | {_z(m_os - model_os, se_os)}"
    )
    se_six = math.sqrt(six_model * (1 - six_model) / len(os_))
    out["6-month OS"] = f"{six:.0%} (KM) | {six_model:.0%} | {(six - six_model) / se_six:+.1f}"
    return out


def _weighted_median(values: list[np.ndarray], weights: np.ndarray) -> float:
    """Median of the mixture: level j's values with total weight ``weights[j]``."""
    v = np.concatenate(values)
    w = np.concatenate(
        [np.full(x.size, wj / x.size) for x, wj in zip(values, weights, strict=True)]
    )
    order = np.argsort(v)
    cumulative = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("protocols", nargs="*", default=bundled_scenario_ids())
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--service-cache", type=Path, default=DEFAULT_SERVICE_CACHE)
    args = parser.parse_args()
    for protocol_id in args.protocols:
        scenario = bundled_scenario(protocol_id)
        start = time.perf_counter()
        table = rows(scenario, args.n, args.seed)
        elapsed = time.perf_counter() - start
        levels = ", ".join(f"{d:.2g}" for d in dose_levels(scenario))
        print(f"\n### {protocol_id} (dose levels {levels} cells/kg, equal shares)\n")
        print(f"| anchor | published | simulated (model, n={args.n:,}) |")
        print("|---|---|---|")
        for anchor, published, simulated in table:
            print(f"| {anchor} | {published} | {simulated} |")
        print(f"\n({elapsed:.1f} s for {args.n:,} patients drawn twice)")
        cached = sorted(args.service_cache.glob(f"{protocol_id}-seed*.json"))
        if not cached:
            continue
        records = [json.loads(p.read_text()) for p in cached]
        whole = service_rows(scenario, records, args.n, args.seed)
        k = len(records)
        print(f"\n#### {protocol_id}: whole trials through the services ({k} trials)\n")
        print(
            f"| anchor | published | simulated (model) | whole trial (service path, {k} trials) "
            "| model at the doses given | z |"
        )
        print("|---|---|---|---|---|---|")
        for anchor, published, simulated in table:
            if anchor in whole:
                print(f"| {anchor} | {published} | {simulated} | {whole[anchor]} |")


if __name__ == "__main__":
    main()
