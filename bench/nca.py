"""Benchmark: NCA of 10,000 simulated CAR-T subjects x 12 samples (intervals 0-28 d and 0-inf).

Prints subjects per second for the NCA itself (arrays in, results out) and for
the whole path from a raw sample table (validation, unit conversion, profile
building, NCA). When ``Rscript`` with PKNCA is installed, runs PKNCA on the same
data and settings and prints the time ratio and the largest relative difference
of every parameter (expected <= 1e-6); otherwise says that it was skipped.

Run: ``.venv/bin/python bench/nca.py [n_subjects]``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cartrial.kinetics.data import build_profiles, validate_samples
from cartrial.kinetics.nca import compute_nca
from cartrial.kinetics.profiles import Profiles, profiles_from_lists
from cartrial.kinetics.settings import NcaSettings

DAYS = np.array([0, 1, 4, 7, 10, 14, 21, 28, 42, 56, 90, 180], dtype=float)
LLOQ = 10.0


def simulate(n_subjects: int, seed: int = 20261123) -> Profiles:
    """Expansion to a peak at day 7-14, then bi-exponential contraction; 20% noise, BLQ < 10."""
    rng = np.random.default_rng(seed)
    t = np.broadcast_to(DAYS, (n_subjects, DAYS.size)).copy()
    t[:, 1:] += rng.uniform(-0.4, 0.4, size=(n_subjects, DAYS.size - 1))
    tmax = rng.uniform(7, 14, n_subjects)[:, None]
    cmax = np.exp(rng.normal(np.log(5e4), 1.0, n_subjects))[:, None]
    expand = rng.uniform(0.5, 1.2, n_subjects)[:, None]
    alpha = rng.uniform(0.15, 0.4, n_subjects)[:, None]
    beta = rng.uniform(0.005, 0.03, n_subjects)[:, None]
    frac = rng.uniform(0.02, 0.2, n_subjects)[:, None]
    after = t - tmax
    rising = cmax * np.exp(expand * np.minimum(after, 0.0))
    falling = cmax * ((1 - frac) * np.exp(-alpha * after) + frac * np.exp(-beta * after))
    conc = np.where(after <= 0, rising, falling) * np.exp(rng.normal(0, 0.2, t.shape))
    conc[:, 0] = 0.0  # pre-infusion sample: BLQ
    conc[conc < LLOQ] = 0.0
    conc[rng.uniform(size=t.shape) < 0.02] = np.nan  # missed visits
    keys = pd.DataFrame({"subject": [f"S{i:05d}" for i in range(n_subjects)]})
    return Profiles(keys=keys, time=t, conc=conc)


def as_table(profiles: Profiles) -> pd.DataFrame:
    """The same data as a raw sample table of strings (what a site file holds)."""
    width = profiles.time.shape[1]
    conc = profiles.conc.ravel()
    value = np.where(np.isnan(conc), "", np.where(conc == 0, "BLQ", conc.astype(str)))
    return pd.DataFrame(
        {
            "subject": np.repeat(profiles.keys["subject"].to_numpy(), width),
            "analyte": "car_copies",
            "matrix": "blood",
            "actual_day": profiles.time.ravel().astype(str),
            "value": value,
            "unit": "copies/ug gDNA",
            "lloq": str(LLOQ),
        }
    )


def best_of(runs: int, func: object) -> float:
    assert callable(func)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


R_SCRIPT = r"""
suppressPackageStartupMessages(library(PKNCA))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
d <- d[!is.na(d$conc), ]
conc <- PKNCAconc(d, conc ~ time | subject)
doses <- data.frame(subject = unique(d$subject), time = 0, dose = 1)
dose <- PKNCAdose(doses, dose ~ time | subject)
iv <- data.frame(start = c(0, 0), end = c(28, Inf), cmax = c(FALSE, TRUE), tmax = c(FALSE, TRUE),
  tlast = c(FALSE, TRUE), clast.obs = c(FALSE, TRUE), auclast = c(TRUE, TRUE),
  aucint.last = c(TRUE, FALSE), aucinf.obs = c(FALSE, TRUE), half.life = c(FALSE, TRUE))
opts <- list(auc.method = args[3], conc.blq = list(first = "keep", middle = "drop", last = "keep"),
  min.hl.points = 3, adj.r.squared.factor = 1e-4, allow.tmax.in.half.life = FALSE, progress = FALSE)
t0 <- Sys.time()
r <- suppressWarnings(as.data.frame(pk.nca(PKNCAdata(conc, dose, intervals = iv, options = opts))))
cat(as.numeric(difftime(Sys.time(), t0, units = "secs")), "\n")
write.csv(r[, c("subject", "end", "PPTESTCD", "PPORRES")], args[2], row.names = FALSE)
"""

PKNCA_NAMES = {
    ("Inf", "cmax"): "cmax",
    ("Inf", "tmax"): "tmax",
    ("Inf", "tlast"): "tlast",
    ("Inf", "clast.obs"): "clast",
    ("Inf", "auclast"): "auclast",
    ("Inf", "aucinf.obs"): "aucinf_obs",
    ("Inf", "lambda.z"): "lambda_z",
    ("Inf", "half.life"): "half_life",
    ("Inf", "r.squared"): "r_squared",
    ("Inf", "adj.r.squared"): "adj_r_squared",
    ("Inf", "lambda.z.n.points"): "lambda_z_n_points",
    ("Inf", "span.ratio"): "span_ratio",
    ("28", "auclast"): "auclast_partial",
    ("28", "aucint.last"): "aucint_partial",
}


def compare_with_pknca(profiles: Profiles, seconds: float) -> None:
    rscript = shutil.which("Rscript")
    has_pknca = (
        rscript is not None
        and subprocess.run(
            [rscript, "-e", "library(PKNCA)"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if not has_pknca or rscript is None:
        print("PKNCA comparison: skipped (Rscript with the PKNCA package is not installed)")
        return
    ours = compute_nca(profiles, NcaSettings()).to_frame()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "conc.csv"
        out = Path(tmp) / "pknca.csv"
        script = Path(tmp) / "run.R"
        script.write_text(R_SCRIPT, encoding="utf-8")
        width = profiles.time.shape[1]
        pd.DataFrame(
            {
                "subject": np.repeat(profiles.keys["subject"].to_numpy(), width),
                "time": profiles.time.ravel(),
                "conc": profiles.conc.ravel(),
            }
        ).to_csv(data, index=False)
        done = subprocess.run(
            [rscript, str(script), str(data), str(out), "lin up/log down"],
            capture_output=True,
            text=True,
            check=True,
        )
        r_seconds = float(done.stdout.split()[0])
        theirs = pd.read_csv(out, dtype={"end": str})
    print(f"PKNCA: {r_seconds:.1f} s; cartrial is {r_seconds / seconds:.0f}x faster")
    print_differences(ours, theirs)


def print_differences(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Largest relative difference per parameter; ``theirs`` is PKNCA's long output."""
    theirs = theirs.assign(end=theirs["end"].astype(str).str.replace(r"\.0$", "", regex=True))
    theirs = theirs.assign(subject=theirs["subject"].astype(str))
    indexed = ours.set_index("subject")
    for (end, code), name in PKNCA_NAMES.items():
        part = theirs[(theirs["end"] == end) & (theirs["PPTESTCD"] == code)].set_index("subject")
        a = part["PPORRES"].astype(float)
        b = indexed.loc[a.index, name].astype(float)
        both = a.notna() & b.notna()
        mismatched_missing = int((a.isna() != b.isna()).sum())
        rel = (a[both] - b[both]).abs() / a[both].abs().clip(lower=1e-300)
        print(f"  {name:20s} max rel diff {rel.max():.2e}; NA in one only: {mismatched_missing}")


def theoph_agreement() -> None:
    """Largest relative difference from PKNCA 0.12.1's stored Theoph results (tests/data)."""
    root = Path(__file__).resolve().parents[1] / "tests" / "data"
    reference = json.loads((root / "pknca_theoph.json").read_text(encoding="utf-8"))
    frame = pd.read_csv(root / "theoph.csv")
    subjects = [str(s) for s in sorted(frame["Subject"].unique())]
    rows = [frame[frame["Subject"] == int(s)].sort_values("Time") for s in subjects]
    profiles = profiles_from_lists(
        [r["Time"].tolist() for r in rows], [r["conc"].tolist() for r in rows], subjects=subjects
    )
    names = {
        "cmax": "cmax", "tmax": "tmax", "tlast": "tlast", "clast.obs": "clast",
        "auclast": "auclast", "aucall": "aucall", "aucinf.obs": "aucinf_obs",
        "aucpext.obs": "aucpext_obs", "half.life": "half_life", "lambda.z": "lambda_z",
        "r.squared": "r_squared", "adj.r.squared": "adj_r_squared",
        "lambda.z.n.points": "lambda_z_n_points", "clast.pred": "clast_pred",
        "span.ratio": "span_ratio", "auclast_0_24": "auclast_partial",
        "aucint.last_0_24": "aucint_partial",
    }  # fmt: skip
    for pknca_method, method in (("lin up/log down", "lin-log"), ("linear", "linear")):
        ours = compute_nca(profiles, NcaSettings(auc_method=method, partial_end=24.0))
        worst = 0.0
        for i, record in enumerate(reference["results_explicit"][pknca_method]):
            for key, name in names.items():
                if record[key] is not None:
                    diff = abs(float(ours.values[name][i]) - record[key]) / abs(record[key])
                    worst = max(worst, diff)
        print(f"Theoph vs stored PKNCA 0.12.1 ({pknca_method}): max rel diff {worst:.1e}")


def main() -> None:
    n_subjects = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    profiles = simulate(n_subjects)
    settings = NcaSettings()
    nca_s = best_of(5, lambda: compute_nca(profiles, settings))
    table = as_table(profiles)
    full_s = best_of(3, lambda: compute_nca(build_profiles(validate_samples(table)), settings))
    n_samples = profiles.time.size
    print(f"NCA of {n_subjects} subjects x {DAYS.size} samples ({n_samples} samples)")
    print(f"  NCA (arrays in, results out): {nca_s:.3f} s = {n_subjects / nca_s:,.0f} subjects/s")
    print(
        f"  from a raw sample table (validate, convert, NCA): {full_s:.3f} s = "
        f"{n_subjects / full_s:,.0f} subjects/s (target: <= 3 s)"
    )
    theoph_agreement()
    compare_with_pknca(profiles, nca_s)


if __name__ == "__main__":
    main()
