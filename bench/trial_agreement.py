"""The fast path and the service path agree in distribution (issue 11 section 5).

Runs K whole uclm802 trials through the services (``cartrial.sim.trial.run.simulate_trial``
into a new SQLite file each; about a minute each on this 2-core machine) and N trials
of the fast path (``cartrial.sim.fast``), and prints, for each quantity, the fast-path
value, the service-path value, the Monte-Carlo SE of the service-path value and
``z = (service - fast) / SE``, flagging ``|z| > 3``.

Everything on the service side is read back from the database by the analyses
(``cartrial.services.trial_summary.trial_analysis``) or from the stored records,
never from the simulator's memory. Each service trial is cached as JSON in
``--cache`` (one file per seed), so a rerun only adds trials (``bench/sim_anchors.py``
reads the same cache for its whole-trial columns).

SEs, under the hypothesis that the service path has the fast path's distribution
(the fast path's own MC error is negligible at N = 20,000):

- per-patient rates pooled over the K trials (screen failure, DLTs per DLT-evaluable
  patient by level, ORR/DCR, grade >= 3 CRS at the RP2D): binomial,
  ``sqrt(p0 (1 - p0) / n)`` with ``p0`` the fast path's pooled rate and ``n`` the
  service path's pooled denominator;
- per-trial quantities (P(RP2D = level), means of counts, KM medians at the RP2D):
  the fast path's SD over trials ``/ sqrt(K)`` (binomial for a probability).

Definitions follow the fast path (``cartrial.sim.fast.trials``): ORR, DCR and grade >= 3
CRS are among the patients infused at the RP2D (escalation and expansion; a patient
with no response assessment counts as not responding); medians are Kaplan-Meier
medians of PFS/OS from infusion of those patients, averaged over the trials that
reached one.

Run: ``PYTHONPATH=src python bench/trial_agreement.py [--trials K] [--fast N]
[--workers W] [--cache DIR]`` (default K = 12, N = 20,000, W = 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from cartrial.protocol.load import load_protocol
from cartrial.services.trial_summary import trial_analysis
from cartrial.sim.fast.km import km_medians
from cartrial.sim.fast.outcomes import CR, PR, SD, assess_dlts, assess_patient_tumours
from cartrial.sim.fast.source import ScenarioSource
from cartrial.sim.fast.stream import infused_mask
from cartrial.sim.fast.trials import (
    FastPlan,
    TrialResults,
    make_plan,
    simulate_trials,
    spawn_seeds,
)
from cartrial.sim.model import at_dose, draw_patients
from cartrial.sim.scenario import load_scenario
from cartrial.sim.trial.database import simulation_engine
from cartrial.sim.trial.run import simulate_trial
from cartrial.store import make_sessionmaker
from cartrial.store.models import (
    AssayResult,
    Death,
    DltAdjudication,
    Infusion,
    ProductLot,
    Sample,
    ScreeningEntry,
    Subject,
)
from cartrial.survival.km import DAYS_PER_MONTH, compute_kaplan_meier

PROTOCOL = "uclm802"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "cartrial-agreement"
#: Latent fields kept per patient for the truth comparisons (bench/sim_anchors.py).
TRUTH_FIELDS = (
    "msln_positive",
    "screen_failure",
    "manufacturing_failed",
    "dose_cells_per_kg",
    "ck_cmax",
    "crs_grade",
    "icans_grade",
    "death_day",
    "withdrawal_day",
    "lost_to_follow_up_day",
)
Record = dict[str, Any]


# --- the service path: one trial, read back from the database -----------------------------
def run_service_trial(seed: int, cache: Path, protocol_id: str = PROTOCOL) -> Path:
    """Simulate one trial through the services and cache what the database says."""
    out = cache / f"{protocol_id}-seed{seed}.json"
    if out.exists():
        return out
    loaded = load_protocol(protocol_id)
    scenario = load_scenario(protocol_id)
    with tempfile.TemporaryDirectory() as tmp:
        engine = simulation_engine(f"sqlite:///{Path(tmp) / 'trial.db'}")
        sessions = make_sessionmaker(engine)
        start = time.perf_counter()
        run = simulate_trial(sessions, loaded=loaded, scenario=scenario, seed=seed)
        elapsed = time.perf_counter() - start
        analysis = trial_analysis(sessions, protocol_id, as_of=run.data_cut)
        summary = analysis.summary
        truth = run.truth
        assert truth is not None
        index = {p.code: p.index for p in run.patients}
        per_subject: dict[str, Record] = {}
        with sessions() as s:
            subjects = s.scalars(select(Subject)).all()
            infusions = {i.subject_id: i for i in s.scalars(select(Infusion))}
            lots = {lot.subject_id: lot.status for lot in s.scalars(select(ProductLot))}
            deaths = {d.subject_id: d.died_on for d in s.scalars(select(Death))}
            screens = {e.subject_id: e.record_json for e in s.scalars(select(ScreeningEntry))}
            dlt: dict[str, str] = {}
            for a in s.scalars(
                select(DltAdjudication).order_by(DltAdjudication.adjudicated_at, DltAdjudication.id)
            ):
                dlt[a.subject_id] = a.outcome
            qpcr: dict[str, list[tuple[int, float | None, float | None]]] = {}
            for sample, result in s.execute(
                select(Sample, AssayResult).join(AssayResult, AssayResult.sample_id == Sample.id)
            ):
                if sample.analyte != "car_transgene_qpcr" or sample.study_day is None:
                    continue
                qpcr.setdefault(sample.subject_id, []).append(
                    (
                        sample.study_day,
                        None if result.value is None else float(result.value),
                        None if result.lloq is None else float(result.lloq),
                    )
                )
            for subj in subjects:
                i = index[subj.code]
                inf = infusions.get(subj.id)
                died = deaths.get(subj.id)
                msln = json.loads(screens[subj.id]).get("msln", {}).get("result")
                per_subject[subj.code] = {
                    "index": i,
                    "consent": next(p.consent_date for p in run.patients if p.code == subj.code),
                    "infusion_at": inf.started_at if inf is not None else None,
                    "status": subj.status,
                    "msln": msln,
                    "enrolled": subj.enrolled_at is not None,
                    "dose_level": subj.dose_level,
                    "lot": lots.get(subj.id),
                    "infused": inf is not None,
                    "death_day": (
                        (died - inf.started_at.date()).days if died and inf is not None else None
                    ),
                    "dlt": dlt.get(subj.id),
                    "crs": summary.crs_rate.worst_grade_by_subject.get(subj.code, 0),
                    "bor": summary.best_overall_response.get(subj.code),
                    "qpcr": sorted(qpcr.get(subj.id, [])),
                    "truth": {f: truth.row(i)[f] for f in TRUTH_FIELDS},
                }
        if analysis.study is not None:
            for row in analysis.study.subjects:
                if row.subject_id in per_subject:
                    per_subject[row.subject_id]["pfs"] = [row.pfs.days, row.pfs.event]
                    per_subject[row.subject_id]["os"] = [row.os.days, row.os.event]
        engine.dispose()
    record = {
        "protocol_id": protocol_id,
        "seed": seed,
        "seconds": elapsed,
        "screened": summary.screened.n,
        "enrolled": summary.enrolled.n,
        "infused": summary.infused.n,
        "rp2d": summary.rp2d.level,
        "mtd": summary.mtd.level,
        "dlts_by_level": {str(k): [v.evaluable, v.dlts] for k, v in summary.dlts_by_level.items()},
        "median_pfs_days": summary.median_pfs_days.estimate,
        "median_os_days": summary.median_os_days.estimate,
        "subjects": per_subject,
    }
    cache.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".part")
    tmp_out.write_text(json.dumps(record, default=str))
    tmp_out.rename(out)
    return out


def _one(seed: int, cache: Path) -> Path | str:
    try:
        return run_service_trial(seed, cache)
    except Exception as exc:  # a crashed trial is reported, never silently dropped
        return f"seed {seed}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"


def service_trials(seeds: Sequence[int], cache: Path, workers: int) -> list[Record]:
    """The cached records of ``seeds``, simulating those not cached yet (crashes reported)."""
    with ProcessPoolExecutor(max(workers, 1)) as pool:
        results = list(pool.map(_one, seeds, [cache] * len(seeds)))
    crashed = [r for r in results if isinstance(r, str)]
    for line in crashed:
        print(f"  CRASHED {line}", flush=True)
    return [json.loads(p.read_text()) for p in results if isinstance(p, Path)]


# --- the comparison -----------------------------------------------------------------------
class Row:
    """One line of the table: fast value, service value, SE of the service value, z."""

    def __init__(self, name: str, fast: float, service: float, se: float, n: str) -> None:
        self.name, self.fast, self.service, self.se, self.n = name, fast, service, se, n

    @property
    def z(self) -> float:
        if not (math.isfinite(self.service) and math.isfinite(self.fast)):
            return math.nan
        if self.se <= 0:
            return 0.0 if self.service == self.fast else math.inf
        return (self.service - self.fast) / self.se


def _binomial(name: str, p0: float, hits: int, n: int) -> Row:
    service = hits / n if n else math.nan
    return Row(name, p0, service, math.sqrt(p0 * (1 - p0) / n) if n else math.nan, f"{hits}/{n}")


def _per_trial(name: str, fast: np.ndarray, service: Sequence[float]) -> Row:
    f = fast[np.isfinite(fast)]
    s = np.array([v for v in service if math.isfinite(v)])
    se = float(f.std(ddof=1) / math.sqrt(s.size)) if s.size else math.nan
    return Row(name, float(f.mean()), float(s.mean()) if s.size else math.nan, se, f"{s.size}")


def _km_median(times: list[tuple[float, bool]]) -> float:
    if not times:
        return math.nan
    t = np.array([[x for x, _ in times]], dtype=float)
    e = np.array([[bool(y) for _, y in times]])
    return float(km_medians(t, e, np.ones_like(e, dtype=bool))[0])


@dataclass(frozen=True)
class PerPatient:
    """The fast path's per-patient readings of ``n`` infused patients at each level.

    Arrays of shape (levels, n): what :func:`cartrial.sim.fast.trials.simulate_batch`
    computes for each patient it places (``assess_dlts``, ``assess_tumours``).
    """

    dlt: np.ndarray
    evaluable: np.ndarray
    crs_grade: np.ndarray
    icans_grade: np.ndarray
    bor: np.ndarray
    os_day: np.ndarray
    os_event: np.ndarray
    pfs_day: np.ndarray
    pfs_event: np.ndarray


def per_patient(plan: FastPlan, n: int, seed: int = 11) -> PerPatient:
    """Draw infused patients (passed screening, product made, not withdrawn) at each level."""
    rng = np.random.default_rng(seed)
    pool = plan.source.draw(rng, 3 * n)
    pool = pool.take(np.flatnonzero(infused_mask(pool))[:n])
    scans = int(plan.response.scan_days.shape[0])
    out: dict[str, list[np.ndarray]] = {f.name: [] for f in fields(PerPatient)}
    for dose in plan.doses:
        p = plan.source.at_dose(pool, np.full(pool.n, dose))
        tox = assess_dlts(p, plan.dlt)
        tum = assess_patient_tumours(
            p,
            noise=rng.standard_normal((p.n, 1 + scans)),
            lesion_sd_mm=plan.source.lesion_sd_mm,
            reading=plan.response,
        )
        values = {
            "dlt": tox.dlt, "evaluable": tox.evaluable, "crs_grade": p.crs_grade,
            "icans_grade": p.icans_grade, "bor": tum.bor, "os_day": tum.os_day,
            "os_event": tum.os_event, "pfs_day": tum.pfs_day, "pfs_event": tum.pfs_event,
        }  # fmt: skip
        for name, value in values.items():
            out[name].append(np.asarray(value))
    return PerPatient(**{k: np.stack(v) for k, v in out.items()})


def _expected(name: str, p_level: np.ndarray, levels: list[int], hits: int) -> Row:
    """Service hits among patients at ``levels`` against the model's per-level probability."""
    p = np.array([p_level[level - 1] for level in levels], dtype=float)
    n = p.size
    se = float(np.sqrt((p * (1 - p)).sum()) / n) if n else math.nan
    return Row(name, float(p.mean()) if n else math.nan, hits / n if n else math.nan, se,
               f"{hits}/{n}")  # fmt: skip


def _pooled_km(
    name: str, day: np.ndarray, event: np.ndarray, levels: list[int],
    service: list[tuple[float, bool]],
) -> Row:  # fmt: skip
    """KM median (months) of the service's patients vs the fast readings at the same levels."""
    # the fast readings of every level, each weighted by the service's patients there
    counts = np.bincount(np.array(levels), minlength=day.shape[0] + 1)[1:]
    used = [j for j in range(day.shape[0]) if counts[j]]
    t = np.concatenate([day[j] for j in used])
    e = np.concatenate([event[j] for j in used])
    w = np.concatenate([np.full(day.shape[1], counts[j]) for j in used])
    order = np.argsort(t, kind="stable")
    t, e, w = t[order], e[order], w[order].astype(float)
    at_risk = w.sum() - np.concatenate([[0.0], np.cumsum(w)[:-1]])
    surv = np.cumprod(1 - np.where(e, w, 0.0) / at_risk)
    fast = float(t[np.argmax(surv <= 0.5)]) if (surv <= 0.5).any() else math.inf
    km = compute_kaplan_meier(
        durations=[x for x, _ in service], events=[y for _, y in service], landmarks=()
    )
    median = km.median if km.median is not None else math.inf
    low, high = km.median_ci_low, km.median_ci_high
    se = (high - low) / (2 * 1.959964) if low is not None and high is not None else math.nan
    return Row(name, fast / DAYS_PER_MONTH, median / DAYS_PER_MONTH, se / DAYS_PER_MONTH,
               f"{len(service)}")  # fmt: skip


def compare(
    fast: TrialResults, plan: FastPlan, service: list[Record], model: PerPatient,
    manufacturing_failure: float,
) -> list[Row]:  # fmt: skip
    """The agreement table (module docstring for the definitions and SEs)."""
    k = len(service)
    n_levels = plan.n_levels
    rows: list[Row] = []
    screened = [s for t in service for s in t["subjects"].values()]
    failed = sum(1 for s in screened if s["status"] == "screen_failed")
    fast_sf = 1 - fast.n_enrolled.sum() / fast.n_screened.sum()
    rows.append(_binomial("screen failure / screened", float(fast_sf), failed, len(screened)))
    lots = [s["lot"] for s in screened if s["lot"] in ("released", "rejected")]
    rows.append(_binomial("manufacturing failure / lots (model)", manufacturing_failure,
                          lots.count("rejected"), len(lots)))  # fmt: skip
    # --- per patient, at the doses the service path gave (Wald: pooled ratios are unbiased)
    p_dlt = model.dlt.sum(axis=1) / model.evaluable.sum(axis=1)
    for level in range(1, n_levels + 1):
        ev = sum(t["dlts_by_level"].get(str(level), [0, 0])[0] for t in service)
        y = sum(t["dlts_by_level"].get(str(level), [0, 0])[1] for t in service)
        rows.append(_binomial(f"DLTs / DLT-evaluable, level {level}", float(p_dlt[level - 1]),
                              y, ev))  # fmt: skip
    infused = [s for s in screened if s["infused"]]
    levels = [int(s["dose_level"]) for s in infused]
    for name, p_level, hit in (
        ("ORR (CR/PR) / infused", ((model.bor == PR) | (model.bor == CR)).mean(axis=1),
         lambda s: s["bor"] in ("CR", "PR")),
        ("DCR (CR/PR/SD) / infused", (model.bor >= SD).mean(axis=1),
         lambda s: s["bor"] in ("CR", "PR", "SD", "NON-CR/NON-PD")),
        ("CRS any grade / infused", (model.crs_grade >= 1).mean(axis=1), lambda s: s["crs"] >= 1),
        ("CRS grade >= 3 / infused", (model.crs_grade >= 3).mean(axis=1), lambda s: s["crs"] >= 3),
    ):  # fmt: skip
        rows.append(_expected(name, p_level, levels, sum(1 for s in infused if hit(s))))
    for name, day, event, key in (
        ("KM median PFS, infused (months)", model.pfs_day, model.pfs_event, "pfs"),
        ("KM median OS, infused (months)", model.os_day, model.os_event, "os"),
    ):
        times = [(float(s[key][0]), bool(s[key][1])) for s in infused if key in s]
        lv = [int(s["dose_level"]) for s in infused if key in s]
        rows.append(_pooled_km(name, day, event, lv, times))
    # --- per trial: the design
    spans = []
    for t in service:
        subs = list(t["subjects"].values())
        infusions = [s["infusion_at"] for s in subs if s.get("infusion_at")]
        if infusions and all("consent" in s for s in subs):
            first = min(dt.date.fromisoformat(str(s["consent"])[:10]) for s in subs)
            last = max(dt.date.fromisoformat(str(x)[:10]) for x in infusions)
            window = plan.dlt.window_days
            spans.append(((last - first).days + window) / DAYS_PER_MONTH)
    if spans:
        rows.append(_per_trial("duration, first consent to last DLT window (months)",
                               fast.duration_months, spans))  # fmt: skip
    for level in range(1, n_levels + 1):
        p = float((fast.rp2d == level).mean())
        hits = sum(1 for t in service if t["rp2d"] == level)
        rows.append(Row(f"P(RP2D = level {level})", p, hits / k, math.sqrt(p * (1 - p) / k),
                        f"{hits}/{k}"))  # fmt: skip
    p_none = float((fast.rp2d == 0).mean())
    none = sum(1 for t in service if t["rp2d"] is None)
    rows.append(Row("P(no RP2D)", p_none, none / k, math.sqrt(p_none * (1 - p_none) / k),
                    f"{none}/{k}"))  # fmt: skip
    for name, values, key in (
        ("patients screened per trial", fast.n_screened, "screened"),
        ("patients infused per trial", fast.n_infused, "infused"),
    ):
        rows.append(_per_trial(name, values.astype(float), [float(t[key]) for t in service]))
    has = fast.rp2d > 0
    n_rp2d = fast.n_rp2d[has].astype(float)

    def pooled(rate: np.ndarray) -> float:
        return float(np.nansum(rate[has] * n_rp2d) / n_rp2d.sum())

    at_rp2d = [
        s
        for t in service
        if t["rp2d"] is not None
        for s in t["subjects"].values()
        if s["infused"] and s["dose_level"] == t["rp2d"]
    ]
    n = len(at_rp2d)
    resp = sum(1 for s in at_rp2d if s["bor"] in ("CR", "PR"))
    crs3 = sum(1 for s in at_rp2d if s["crs"] >= 3)
    rows.append(_binomial("ORR at the RP2D / infused there", pooled(fast.orr), resp, n))
    rows.append(_binomial("CRS grade >= 3 at the RP2D / infused there",
                          pooled(fast.crs_grade3_rate_rp2d), crs3, n))  # fmt: skip
    for name, months, key in (
        ("median PFS at the RP2D, per trial (months)", fast.median_pfs_months, "pfs"),
        ("median OS at the RP2D, per trial (months)", fast.median_os_months, "os"),
    ):
        medians = []
        for t in service:
            if t["rp2d"] is None:
                continue
            times = [
                (float(s[key][0]), bool(s[key][1]))
                for s in t["subjects"].values()
                if s["infused"] and s["dose_level"] == t["rp2d"] and key in s
            ]
            medians.append(_km_median(times) / DAYS_PER_MONTH)
        rows.append(_per_trial(name, months[has], medians))
    return rows


def same_patients(plan: FastPlan, service: list[Record]) -> None:
    """The fast path's DLT reading against the service's signed adjudication, patient by
    patient: each cached patient's full latent row is drawn again as ``simulate_trial``
    draws its pool (checked against the cached truth), at the dose it was given."""
    protocol = load_protocol(PROTOCOL).protocol
    scenario = load_scenario(PROTOCOL)
    counts: dict[tuple[str, str], int] = {}
    differ: list[str] = []
    for t in service:
        pool_seed, _ = np.random.SeedSequence(t["seed"]).spawn(2)
        pool = draw_patients(
            scenario, np.random.default_rng(pool_seed), 4 * (protocol.planned_enrolment or 20)
        )
        for code, s in sorted(t["subjects"].items()):
            if not s["infused"]:
                continue
            dose = float(protocol.dose_level(int(s["dose_level"])).cells_per_kg)
            p = at_dose(pool.take(np.array([s["index"]])), np.array([dose]), scenario)
            assert int(p.crs_grade[0]) == s["truth"]["crs_grade"], "pool drawn differently"
            out = assess_dlts(p, plan.dlt)
            fast = "yes" if out.dlt[0] else ("no" if out.evaluable[0] else "not_evaluable")
            key = (fast, str(s["dlt"]))
            counts[key] = counts.get(key, 0) + 1
            if fast != s["dlt"]:
                end = min(p.death_day[0], p.withdrawal_day[0], p.lost_to_follow_up_day[0])
                differ.append(
                    f"| seed {t['seed']} {code} | {fast} | {s['dlt']} | CRS {p.crs_grade[0]} "
                    f"from day {p.crs_onset_day[0]:.1f}; {p.off_tumour_term[0] or '-'} "
                    f"{p.off_tumour_grade[0]} day {p.off_tumour_onset_day[0]:.1f}; ANC "
                    f"{p.anc_nadir_10e9_per_l[0]:.2f} / platelets "
                    f"{p.platelet_nadir_10e9_per_l[0]:.0f} on day {p.cytopenia_nadir_day[0]:.1f}, "
                    f"recovered day {p.cytopenia_recovery_day[0]:.1f}; off study day {end:.1f} |"
                )
    print("\n| fast reading \\ service adjudication | yes | no | not_evaluable |")
    print("|---|---|---|---|")
    for fast in ("yes", "no", "not_evaluable"):
        cells = " | ".join(str(counts.get((fast, x), 0)) for x in ("yes", "no", "not_evaluable"))
        print(f"| {fast} | {cells} |")
    print("\n| patient | fast | service | latent |\n|---|---|---|---|")
    print("\n".join(differ))


def print_table(rows: list[Row], k: int, n_fast: int) -> None:
    print(
        f"\n| quantity | fast path ({n_fast:,} trials) | service path ({k} trials) | n | "
        "MC SE (service) | z |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        flag = " **(\\|z\\| > 3)**" if abs(r.z) > 3 else ""
        print(
            f"| {r.name} | {r.fast:.3f} | {r.service:.3f} | {r.n} | {r.se:.3f} | {r.z:+.2f}{flag} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=12, help="service-path trials (K)")
    parser.add_argument("--fast", type=int, default=20_000, help="fast-path trials (N)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--per-level", type=int, default=50_000, help="fast per-patient readings per level"
    )
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--cached", action="store_true", help="compare the cached trials only")
    args = parser.parse_args()
    start = time.perf_counter()
    seeds = list(range(args.first_seed, args.first_seed + args.trials))
    if args.cached:
        paths = sorted(args.cache.glob(f"{PROTOCOL}-seed*.json"))
        service = [json.loads(p.read_text()) for p in paths]
    else:
        service = service_trials(seeds, args.cache, args.workers)
    took = time.perf_counter() - start
    protocol = load_protocol(PROTOCOL).protocol
    plan = make_plan(protocol, ScenarioSource(load_scenario(PROTOCOL)))
    start = time.perf_counter()
    fast = simulate_trials(plan, spawn_seeds(args.fast, 2026))
    fast_took = time.perf_counter() - start
    drawn = plan.source.draw(np.random.default_rng(7), 200_000)
    model = per_patient(plan, args.per_level)
    rows = compare(fast, plan, service, model, float(drawn.manufacturing_failed.mean()))
    print_table(rows, len(service), fast.n_trials)
    print(
        f"\nservice path: {len(service)} trials, {took:.0f} s here "
        f"(cached in {args.cache}); fast path: {fast.n_trials:,} trials, {fast_took:.1f} s"
    )
    same_patients(plan, service)
    flagged = [r.name for r in rows if abs(r.z) > 3]
    print("flagged |z| > 3: " + (", ".join(flagged) if flagged else "none"))


if __name__ == "__main__":
    main()
