"""``cartrial escalation``: next dose, BOIN boundaries, MTD selection, simulation.

Thin adapter: parse, call one function of :mod:`cartrial.escalation`, render.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import numpy as np
import typer
import yaml
from pydantic import ValidationError
from rich.progress import Progress
from rich.table import Table

from cartrial.cli.common import (
    console,
    error_console,
    handle_errors,
    print_json,
    read_json_file,
)
from cartrial.errors import InputError, input_error_from_validation
from cartrial.escalation.boin import Boin, compute_boundary_table
from cartrial.escalation.crm import CrmSummary
from cartrial.escalation.designs import (
    DESIGNS,
    THREE_PLUS_THREE_VARIANTS,
    DesignOptions,
    build_design,
    three_plus_three_variant,
)
from cartrial.escalation.engine import NextDecision, PatientOutcome
from cartrial.escalation.exact import enumerate_trials
from cartrial.escalation.i3plus3 import I3Plus3
from cartrial.escalation.interval import IntervalDesign
from cartrial.escalation.mtd_summary import summarise_mtd
from cartrial.escalation.protocol_decision import decide_for_protocol
from cartrial.escalation.simulate import OperatingCharacteristics, simulate_trials
from cartrial.escalation.sweep import SweepSpec, run_sweep
from cartrial.protocol.load import load_protocol
from cartrial.report.figures.operating_characteristics import plot_operating_characteristics

app = typer.Typer(
    help="Dose escalation: next dose, boundaries, MTD selection, simulation.",
    no_args_is_help=True,
)

DESIGN_HELP = "Design: " + "; ".join(f"{k} = {v}" for k, v in DESIGNS.items())


def parse_floats(field: str, text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise InputError(field, text, "comma-separated numbers, e.g. 0.05,0.1,0.2") from exc


def parse_ints(field: str, text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise InputError(field, text, "comma-separated whole numbers, e.g. 3,6,3") from exc


def read_patients(path: Path) -> list[PatientOutcome]:
    """Patients from CSV (level, dlt[, subject, days_followed, grade2_related]) or JSON."""
    rows: list[Any]
    if path.suffix.lower() == ".json":
        data = read_json_file(path)
        rows = data.get("patients", []) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise InputError(
                "patients", type(rows).__name__, "a list of patients", source=str(path)
            )
    else:
        try:
            with path.open(newline="", encoding="utf-8") as fh:
                rows = [
                    {k.strip(): (v.strip() if v and v.strip() else None) for k, v in r.items() if k}
                    for r in csv.DictReader(fh)
                ]
        except OSError as exc:
            raise InputError("data", str(path), f"a readable file ({exc.strerror})") from exc
        for r in rows:
            if r.get("grade2_related") is None:
                r.pop("grade2_related", None)
            if isinstance(r.get("dlt"), str):
                r["dlt"] = r["dlt"].lower()
    patients = []
    for i, row in enumerate(rows):
        try:
            patients.append(PatientOutcome.model_validate(row))
        except ValidationError as exc:
            err = input_error_from_validation(exc, source=str(path))
            raise InputError(
                f"patients[{i}].{err.field}", err.value, err.expected, source=str(path)
            ) from exc
    return patients


def options_from_flags(**flags: Any) -> DesignOptions:
    skeleton = flags.pop("skeleton")
    kwargs = {k: v for k, v in flags.items() if v is not None}
    if skeleton:
        kwargs["skeleton"] = tuple(parse_floats("skeleton", skeleton))
    return DesignOptions.model_validate(kwargs)


def render_next(result: NextDecision) -> None:
    console.print(f"[bold]{result.action.upper()}[/]", highlight=False)
    if result.next_level:
        console.print(f"next level: {result.next_level} ({result.cohort_size} patient(s))")
    console.print(
        f"MTD declared: {'level ' + str(result.mtd_level) if result.mtd_declared else 'no'}"
    )
    console.print(f"reason: {result.reason}", highlight=False, soft_wrap=True)
    table = Table("level", "treated", "DLT", "pending")
    for i, (t, d, p) in enumerate(zip(result.treated, result.dlts, result.pending, strict=True)):
        table.add_row(str(i + 1), str(t), str(d), str(p))
    console.print(table)
    if result.crm is not None:
        render_crm(result.crm)


def render_crm(crm: CrmSummary) -> None:
    """The CRM's estimate as fields: parameter mean and variance, per level p and interval."""

    def fmt(v: float | None, digits: int = 3) -> str:
        return "-" if v is None else f"{v:.{digits}f}"

    console.print(
        f"CRM ({crm.method}, {crm.model} model): a mean {fmt(crm.parameter_mean, 4)}, "
        f"variance {fmt(crm.parameter_variance, 4)}",
        highlight=False,
    )
    table = Table("level", "skeleton", "P(DLT)", "90% interval", "plug-in", "normal 90%")
    for level in crm.levels:
        table.add_row(
            str(level.level),
            f"{level.skeleton:g}",
            fmt(level.estimate),
            f"({fmt(level.low)}, {fmt(level.high)})",
            fmt(level.plug_in),
            f"({fmt(level.low_normal)}, {fmt(level.high_normal)})",
        )
    console.print(table)
    console.print(crm.interval, highlight=False, soft_wrap=True, markup=False)


@app.command("next")
@handle_errors
def next_dose(
    protocol: str = typer.Option(..., help="Bundled protocol id or path to a protocol YAML."),
    data: Path = typer.Option(..., help="Treated patients: CSV or JSON (docs/escalation.md)."),
    design: str | None = typer.Option(None, help=DESIGN_HELP + ". Default: the protocol's."),
    target: float | None = typer.Option(None, help="Target DLT rate (BOIN, i3+3, CRM)."),
    cohort_size: int | None = typer.Option(None, help="Cohort size (BOIN, i3+3, CRM)."),
    n_cohorts: int | None = typer.Option(None, help="Maximum number of cohorts."),
    tite: bool | None = typer.Option(
        None, help="TITE-CRM weights for pending patients (CRM). Default: the protocol's."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The next step of a running trial: escalate, stay, de-escalate, expand, stop or wait."""
    result = decide_for_protocol(
        load_protocol(protocol).protocol,
        read_patients(data),
        design=design,
        target=target,
        cohort_size=cohort_size,
        n_cohorts=n_cohorts,
        tite=tite,
    )
    if as_json:
        print_json(result)
    else:
        render_next(result)


@app.command()
@handle_errors
def boundaries(
    design: str = typer.Option("boin", help="boin (the only design with boundaries)."),
    target: float = typer.Option(..., help="Target DLT rate."),
    cohort_size: int = typer.Option(3, help="Cohort size."),
    n_cohorts: int = typer.Option(10, help="Number of cohorts."),
    p_saf: float | None = typer.Option(None, help="Highest sub-therapeutic rate (0.6 x target)."),
    p_tox: float | None = typer.Option(None, help="Lowest overly toxic rate (1.4 x target)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """BOIN lambda_e, lambda_d and the count boundaries per number of patients treated."""
    if design != "boin":
        raise InputError("design", design, "boin")
    table = compute_boundary_table(
        target=target, cohort_size=cohort_size, n_cohorts=n_cohorts, p_saf=p_saf, p_tox=p_tox
    )
    if as_json:
        print_json(table)
        return
    console.print(f"lambda_e = {table.lambda_e:.4f}, lambda_d = {table.lambda_d:.4f}")
    out = Table("patients treated", *[str(n) for n in table.n])
    out.add_row("escalate if DLTs <=", *[str(v) for v in table.escalate_if_at_most])
    out.add_row("de-escalate if DLTs >=", *[str(v) for v in table.deescalate_if_at_least])
    out.add_row(
        "eliminate if DLTs >=",
        *["NA" if v is None else str(v) for v in table.eliminate_if_at_least],
    )
    console.print(out)


@app.command("select-mtd")
@handle_errors
def select_mtd(
    design: str = typer.Option("boin", help="boin or i3plus3."),
    target: float = typer.Option(..., help="Target DLT rate."),
    n: str = typer.Option(..., help="Patients treated per level, e.g. 3,6,9."),
    dlt: str = typer.Option(..., help="DLTs per level, e.g. 0,1,3."),
    bound_mtd: bool = typer.Option(False, help="MTD estimate must be below lambda_d (BOIN)."),
    estimator: str = typer.Option(
        "patients",
        help="Isotonic weights: patients (y/n by n, default) or r_boin (R BOIN select.mtd).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The MTD by isotonic regression (elimination rule applied), with select.mtd's table."""
    ns, ys = parse_ints("n", n), parse_ints("dlt", dlt)
    if len(ns) != len(ys) or not ns:
        raise InputError("dlt", dlt, f"one DLT count per level ({len(ns)} levels in --n)")
    if any(y > m or y < 0 for y, m in zip(ys, ns, strict=True)):
        raise InputError("dlt", dlt, "DLT counts between 0 and the patients treated")
    if estimator not in ("patients", "r_boin"):
        raise InputError("estimator", estimator, "patients or r_boin")
    total = max(sum(ns), 1)
    chosen: IntervalDesign
    if design == "boin":
        chosen = Boin(n_levels=len(ns), target=target, max_sample_size=total, bound_mtd=bound_mtd)
    elif design == "i3plus3":
        chosen = I3Plus3(n_levels=len(ns), target=target, max_sample_size=total)
    else:
        raise InputError("design", design, "boin or i3plus3")
    n_arr, y_arr = np.array([ns]), np.array([ys])
    result = summarise_mtd(
        n=ns,
        y=ys,
        target=target,
        eliminated=[bool(v) for v in chosen.eliminated(n_arr, y_arr)[0]],
        bound=chosen.mtd_bound,
        estimator="r_boin" if estimator == "r_boin" else "patients",
    )
    if as_json:
        estimates = [row.isotonic_estimate for row in result.levels]
        print_json(
            {
                "design": chosen.name,
                **result.model_dump(mode="json"),
                "isotonic_estimates": [None if v is None else round(v, 6) for v in estimates],
            }
        )
        return
    mtd = result.mtd_level
    console.print(f"MTD: {'level ' + str(mtd) if mtd else 'none'}")
    out = Table(
        "level",
        "n",
        "DLT",
        "isotonic estimate",
        "posterior (R BOIN)",
        "95% interval",
        "P(overdose)",
    )

    def fmt(v: float | None) -> str:
        return "----" if v is None else f"{v:.2f}"

    for row in result.levels:
        interval = "----" if row.ci_low is None else f"({fmt(row.ci_low)}, {fmt(row.ci_high)})"
        out.add_row(
            str(row.level),
            str(row.n),
            str(row.dlt),
            "-" if row.isotonic_estimate is None else f"{row.isotonic_estimate:.3f}",
            fmt(row.posterior_estimate),
            interval,
            fmt(row.p_overdose),
        )
    console.print(out)
    console.print(result.rule, highlight=False, soft_wrap=True)


def render_oc(oc: OperatingCharacteristics) -> None:
    how = "exact enumeration" if oc.method == "exact" else f"{oc.n_trials} simulated trials"
    console.print(
        f"[bold]{oc.design}[/], target {oc.target}, {how}; true MTD level(s) {oc.true_mtd}"
    )
    exact = oc.method == "exact"

    def fmt(v: float, se: float, pct: bool = False) -> str:
        scale = 100 if pct else 1
        return f"{v * scale:.2f}" if exact else f"{v * scale:.2f} ({se * scale:.2f})"

    out = Table("level", "truth", "selected %", "patients", "DLTs")
    for i, p in enumerate(oc.truth):
        out.add_row(
            str(i + 1),
            f"{p:.2f}",
            fmt(oc.selection[i], oc.selection_se[i], True),
            fmt(oc.mean_patients[i], oc.mean_patients_se[i]),
            fmt(oc.mean_dlts[i], oc.mean_dlts_se[i]),
        )
    console.print(out)
    console.print(f"no MTD selected %: {fmt(oc.no_selection, oc.no_selection_se, True)}")
    console.print(f"early stop %: {fmt(oc.early_stop, oc.early_stop_se, True)}")
    console.print(
        f"patients above the true MTD %: {fmt(oc.percent_above_mtd, oc.percent_above_mtd_se)}"
    )
    console.print(f"mean sample size: {fmt(oc.mean_sample_size, oc.mean_sample_size_se)}")
    if not exact:
        console.print("(Monte-Carlo standard errors in brackets)")


@app.command()
@handle_errors
def simulate(
    design: str = typer.Option(..., help=DESIGN_HELP),
    target: float = typer.Option(0.3, help="Target DLT rate."),
    truth: str = typer.Option(..., help="True DLT probability per level, e.g. 0.05,0.1,0.2."),
    start_dose: int = typer.Option(1, help="Start level (from 1)."),
    cohort_size: int = typer.Option(3, help="Cohort size (BOIN, i3+3, CRM)."),
    n_cohorts: int = typer.Option(10, help="Number of cohorts (BOIN, i3+3, CRM)."),
    trials: int = typer.Option(10_000, help="Number of simulated trials."),
    seed: int = typer.Option(1, help="Seed of the random generator."),
    exact: bool = typer.Option(False, help="Exact enumeration of every path instead of sampling."),
    skeleton: str | None = typer.Option(None, help="CRM skeleton, e.g. 0.05,0.12,0.25."),
    crm_model: str | None = typer.Option(None, help="CRM model: power or logistic."),
    overdose_stop: bool | None = typer.Option(None, help="CRM: stop if P(p1 > target) > 0.9."),
    crm_method: str | None = typer.Option(
        None, help="CRM estimation: bayes (default) or mle (maximum likelihood, two-stage)."
    ),
    coherent: bool | None = typer.Option(
        None, help="CRM: no escalation after a cohort with DLT rate >= target."
    ),
    extra_safe: bool | None = typer.Option(None, help="BOIN/i3+3: extra-safe stopping rule."),
    n_earlystop: int | None = typer.Option(
        None, help="BOIN/i3+3: stop when a level has this many."
    ),
    p_saf: float | None = typer.Option(None, help="BOIN p.saf (0.6 x target)."),
    p_tox: float | None = typer.Option(None, help="BOIN p.tox (1.4 x target)."),
    variant: str | None = typer.Option(
        None,
        help="3+3 / accelerated titration variant: with-deescalation (default) or "
        "without-deescalation (Lin & Shih 2001).",
    ),
    mtd_requires_six: bool | None = typer.Option(None, help="3+3: the MTD needs 6 patients."),
    deescalation_expands_lower_level: bool | None = typer.Option(
        None, help="3+3: an exceeded level's lower level is expanded to 6 before it is the MTD."
    ),
    max_single_patient_levels: int | None = typer.Option(
        None, help="Accelerated titration: single-patient levels before 3+3."
    ),
    bound_mtd: bool | None = typer.Option(None, help="BOIN: MTD estimate below lambda_d."),
    mtd_estimator: str | None = typer.Option(
        None, help="BOIN/i3+3 MTD selection weights: patients (default) or r_boin."
    ),
    prior_var: float | None = typer.Option(None, help="CRM: prior variance of a (1.34)."),
    skeleton_halfwidth: float | None = typer.Option(
        None, help="CRM: Lee-Cheung indifference half-width (0.05)."
    ),
    prior_mtd_level: int | None = typer.Option(
        None, help="CRM: level given the target in the Lee-Cheung skeleton (middle level)."
    ),
    plot: Path | None = typer.Option(None, help="Write a PNG of selection and patients per level."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Operating characteristics of a design in one scenario, with Monte-Carlo standard errors."""
    p = parse_floats("truth", truth)
    mtd_requires_six, deescalation_expands_lower_level = resolve_variant(
        variant, mtd_requires_six, deescalation_expands_lower_level
    )
    opts = options_from_flags(
        skeleton=skeleton,
        crm_model=crm_model,
        overdose_stop=overdose_stop,
        crm_method=crm_method,
        coherent=coherent,
        extra_safe=extra_safe,
        n_earlystop=n_earlystop,
        p_saf=p_saf,
        p_tox=p_tox,
        mtd_requires_six=mtd_requires_six,
        deescalation_expands_lower_level=deescalation_expands_lower_level,
        max_single_patient_levels=max_single_patient_levels,
        bound_mtd=bound_mtd,
        mtd_estimator=mtd_estimator,
        prior_var=prior_var,
        skeleton_halfwidth=skeleton_halfwidth,
        prior_mtd_level=prior_mtd_level,
    )
    chosen = build_design(
        design,
        n_levels=len(p),
        target=target,
        cohort_size=cohort_size,
        n_cohorts=n_cohorts,
        start_level=start_dose,
        options=opts,
    )
    if exact:
        oc = enumerate_trials(chosen, truth=p, target=target)
    else:
        oc = simulate_trials(
            chosen,
            truth=p,
            target=target,
            n_trials=trials,
            rng=np.random.default_rng(seed),
            seed=seed,
        )
    if plot is not None:
        plot_operating_characteristics([("scenario", [(oc.design, oc)])], plot)
    if as_json:
        print_json(oc)
    else:
        render_oc(oc)
        if design in ("3plus3", "atd"):
            name = three_plus_three_variant(
                opts.mtd_requires_six, opts.deescalation_expands_lower_level
            )
            console.print(f"3+3 variant: {name}", highlight=False)


def resolve_variant(
    variant: str | None, mtd_requires_six: bool | None, deescalation: bool | None
) -> tuple[bool | None, bool | None]:
    """The two 3+3 fields from ``--variant`` and the field options (a contradiction is refused)."""
    if variant is None:
        return mtd_requires_six, deescalation
    if variant not in THREE_PLUS_THREE_VARIANTS:
        raise InputError("variant", variant, "one of " + ", ".join(THREE_PLUS_THREE_VARIANTS))
    six, expand = THREE_PLUS_THREE_VARIANTS[variant]
    for field, given, implied in (
        ("mtd_requires_six", mtd_requires_six, six),
        ("deescalation_expands_lower_level", deescalation, expand),
    ):
        if given is not None and given != implied:
            raise InputError(
                field,
                given,
                f"{str(implied).lower()}, as --variant {variant} states, or no --variant",
            )
    return six, expand


@app.command()
@handle_errors
def sweep(
    file: Path = typer.Argument(..., help="Sweep YAML: designs x scenarios (docs/escalation.md)."),
    workers: int = typer.Option(0, help="Worker processes (0: all local cores)."),
    scheduler: str | None = typer.Option(
        None, help="Dask scheduler address (e.g. tcp://host:8786) to run on a cluster."
    ),
    plot: Path | None = typer.Option(None, help="Write a PNG: designs side by side per scenario."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Simulate many designs x scenarios on all local cores (or a Dask cluster), with progress."""
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("file", str(file), f"a readable file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise InputError("file", str(file), f"valid YAML ({exc})") from exc
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise input_error_from_validation(exc, source=str(file)) from exc
    n_tasks = len(spec.designs) * len(spec.scenarios)
    with Progress(console=error_console, transient=True) as progress:
        task = progress.add_task("simulating", total=n_tasks)
        results = run_sweep(
            spec,
            workers=workers or os.cpu_count() or 1,
            scheduler=scheduler,
            on_done=lambda _: progress.advance(task),
        )
    if plot is not None:
        plot_operating_characteristics(
            [
                (s.name, [(r.label, r.characteristics) for r in results if r.scenario == s.name])
                for s in spec.scenarios
            ],
            plot,
        )
    if as_json:
        print_json(results)
        return
    for scenario in spec.scenarios:
        rows = [r for r in results if r.scenario == scenario.name]
        mtd = rows[0].characteristics.true_mtd
        table = Table(
            "design",
            "correct %",
            *[f"L{i + 1} %" for i in range(len(scenario.truth))],
            "none %",
            "mean n",
            "above MTD %",
            title=f"{scenario.name}: truth {scenario.truth}, true MTD {mtd}",
        )
        for r in rows:
            oc = r.characteristics
            correct = sum(oc.selection[level - 1] for level in oc.true_mtd)
            table.add_row(
                r.label,
                f"{100 * correct:.1f}",
                *[f"{100 * v:.1f}" for v in oc.selection],
                f"{100 * oc.no_selection:.1f}",
                f"{oc.mean_sample_size:.1f}",
                f"{oc.percent_above_mtd:.1f}",
            )
        console.print(table)
