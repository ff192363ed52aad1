"""Calibration of the patient model: published anchor vs simulated (model, n=100,000).

Draws 100,000 virtual patients per bundled scenario, gives them the protocol's
dose levels in equal shares (the scenario's levels where the protocol states
none) and prints a Markdown table for docs/simulation.md. "Published" is the
anchor from ../shared/design/SIMULATOR_ANCHORS.md; "model" is the latent truth
(no measurement error, no grading engine), summarised by cartrial.sim.anchors.
Usage: ``PYTHONPATH=src python bench/sim_anchors.py [protocol-id ...] [--n N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cartrial.protocol.load import load_bundled
from cartrial.sim.anchors import compute_detectable_fraction, compute_latent_response
from cartrial.sim.model import at_dose, draw_patients
from cartrial.sim.patients import VirtualPatients
from cartrial.sim.scenario import Scenario, bundled_scenario, bundled_scenario_ids


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("protocols", nargs="*", default=bundled_scenario_ids())
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
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


if __name__ == "__main__":
    main()
