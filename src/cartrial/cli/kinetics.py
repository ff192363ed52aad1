"""``cartrial kinetics``: NCA of CAR-T kinetics samples, summaries, model fits and figures.

The domain modules (NumPy, pandas, SciPy, matplotlib) are imported inside each
command, so that ``cartrial`` itself starts quickly for every other command.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from cartrial.cli.common import handle_errors, print_json, print_table, read_json_file
from cartrial.display import significant
from cartrial.errors import InputError

if TYPE_CHECKING:
    from cartrial.kinetics.nca import NcaTable
    from cartrial.kinetics.profiles import Profiles

kinetics_app = typer.Typer(
    help="Cellular kinetics: NCA of CAR transgene levels (PKNCA rules).",
    no_args_is_help=True,
)


class AucMethodChoice(StrEnum):
    lin_log = "lin-log"
    linear = "linear"


class PartialChoice(StrEnum):
    aucint_last = "aucint.last"
    auclast = "auclast"
    aucall = "aucall"


class GroupChoice(StrEnum):
    dose_level = "dose_level"
    tumour_type = "tumour_type"


def _interval(text: str) -> tuple[float, float]:
    """``"0-28"`` -> (0, 28); anything else is an InputError naming ``--interval``."""
    first, sep, last = text.partition("-")
    try:
        if not sep:
            raise ValueError(text)
        return float(first), float(last)
    except ValueError:
        raise InputError("--interval", text, "START-END in days, e.g. 0-28") from None


def _run(
    file: Path,
    auc_method: AucMethodChoice | None,
    partial_end: float | None,
    settings_file: Path | None,
    **overrides: Any,
) -> NcaTable:
    """Settings: the JSON file's fields (if any), then the command-line options given."""
    return _run_profiles(file, auc_method, partial_end, settings_file, **overrides)[1]


def _run_profiles(
    file: Path,
    auc_method: AucMethodChoice | None,
    partial_end: float | None,
    settings_file: Path | None,
    **overrides: Any,
) -> tuple[Profiles, NcaTable]:
    from cartrial.kinetics.data import build_profiles, load_samples
    from cartrial.kinetics.nca import compute_nca
    from cartrial.kinetics.settings import NcaSettings

    fields: dict[str, Any] = {}
    if settings_file is not None:
        loaded = read_json_file(settings_file)
        if not isinstance(loaded, dict):
            raise InputError("settings", type(loaded).__name__, "a JSON object of NCA settings")
        fields.update(loaded)
    if auc_method is not None:
        fields["auc_method"] = auc_method.value
    if partial_end is not None:
        fields["partial_end"] = partial_end
    fields.update({k: v for k, v in overrides.items() if v is not None})
    settings = NcaSettings(**fields)
    profiles = build_profiles(load_samples(file))
    return profiles, compute_nca(profiles, settings)


SETTINGS_HELP = "JSON file of NCA settings (docs/kinetics.md); options given here override it."


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else significant(value, 4)


@kinetics_app.command("nca")
@handle_errors
def nca(
    file: Path = typer.Argument(..., help="Sample table (CSV or parquet), see docs/kinetics.md."),
    auc_method: AucMethodChoice | None = typer.Option(
        None, "--auc-method", help="lin-log (PKNCA 'lin up/log down', default) or linear."
    ),
    partial_end: float | None = typer.Option(
        None, "--partial-end", help="End of the partial AUC (days; default 28)."
    ),
    partial_convention: PartialChoice | None = typer.Option(
        None,
        "--partial-convention",
        help="Which area is the partial AUC: aucint.last (default), auclast or aucall.",
    ),
    intervals: list[str] | None = typer.Option(
        None, "--interval", help="An interval of the long table, START-END days (repeatable)."
    ),
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print every result as JSON."),
    csv_out: Path | None = typer.Option(None, "--csv", help="Write the results table to this CSV."),
    long_out: Path | None = typer.Option(
        None, "--long", help="Write the long table (PP codes, every interval) to this CSV."
    ),
) -> None:
    """Cmax, Tmax, Tlast, AUCs, lambda_z and half-life per subject, analyte and matrix."""
    from cartrial.kinetics.intervals import long_table

    profiles, result = _run_profiles(
        file,
        auc_method,
        partial_end,
        settings_file,
        partial_convention=partial_convention.value if partial_convention else None,
        intervals=tuple(_interval(t) for t in intervals) if intervals else None,
    )
    end = result.settings.partial_end
    partial = f"AUC0-{end:g}d" if end is not None else "AUC partial"
    if long_out is not None:
        long = long_table(profiles, result.settings, whole=result)
        long.to_csv(long_out, index=False)
        typer.echo(f"wrote {len(long)} parameter values to {long_out}")
        return
    if csv_out is not None:
        result.to_frame().to_csv(csv_out, index=False)
        typer.echo(f"wrote {len(result.keys)} profiles to {csv_out}")
        return
    if as_json:
        print_json(
            {
                "settings": result.settings.model_dump(mode="json"),
                "time_unit": "day",
                "auc_unit": "concentration unit x day",
                "results": result.records(),
            }
        )
        return
    convention = result.settings.partial_convention
    table = Table(title=f"NCA ({result.settings.auc_method}); {partial} = PKNCA {convention}")
    for header in ("subject", "analyte", "matrix", "Cmax", "Tmax", "Tlast", "AUClast"):
        table.add_column(header)
    for header in (partial, "AUCinf,obs", "t1/2", "flags / reasons"):
        table.add_column(header)
    frame = result.to_frame()
    for _, row in frame.iterrows():
        notes = [row["flags"]] if row["flags"] else []
        if row.get("lambda_z_reason"):
            notes.append(str(row["lambda_z_reason"]))
        table.add_row(
            str(row["subject"]),
            str(row.get("analyte", "")),
            str(row.get("matrix", "")),
            _fmt(row["cmax"]),
            _fmt(row["tmax"]),
            _fmt(row["tlast"]),
            _fmt(row["auclast"]),
            _fmt(row["auc_partial"]),
            _fmt(row["aucinf_obs"]),
            _fmt(row["half_life"]),
            "; ".join(notes),
        )
    print_table(table)


@kinetics_app.command("summary")
@handle_errors
def summary(
    file: Path = typer.Argument(..., help="Sample table (CSV or parquet)."),
    by: GroupChoice = typer.Option(GroupChoice.dose_level, "--by", help="Group by this column."),
    auc_method: AucMethodChoice | None = typer.Option(None, "--auc-method"),
    partial_end: float | None = typer.Option(None, "--partial-end", help="Partial AUC end (days)."),
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """n, geometric mean, geometric CV%, median and range by dose level or tumour type."""
    from cartrial.kinetics.summary import summarise_parameters

    result = _run(file, auc_method, partial_end, settings_file)
    frame = summarise_parameters(result.to_frame(), by=["analyte", "matrix", by.value])
    if as_json:
        records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        print_json(records)
        return
    title = f"NCA summary by {by.value}"
    pairs = frame[["analyte", "matrix"]].drop_duplicates()
    if len(pairs) == 1:  # one analyte in one matrix: named once in the title
        title += f" ({pairs.iloc[0]['analyte']}, {pairs.iloc[0]['matrix']})"
        frame = frame.drop(columns=["analyte", "matrix"])
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for _, row in frame.iterrows():
        table.add_row(
            *[_fmt(v) if isinstance(v, float) else str(v) for v in row.to_list()],
        )
    print_table(table, keys=list(frame.columns).index("parameter") + 1)


@kinetics_app.command("plot")
@handle_errors
def plot(
    file: Path = typer.Argument(..., help="Sample table (CSV or parquet)."),
    out: Path = typer.Option(Path("out"), "--out", help="Folder for the PNG files."),
    by: GroupChoice = typer.Option(
        GroupChoice.dose_level, "--by", help="One panel/line per group."
    ),
) -> None:
    """Spaghetti plot and geometric mean profile (95% CI) per analyte and matrix, log axis."""
    from cartrial.kinetics.data import load_samples
    from cartrial.report.figures.kinetics import plot_mean_profile, plot_spaghetti

    samples = load_samples(file)
    out.mkdir(parents=True, exist_ok=True)
    pairs = samples[["analyte", "matrix"]].drop_duplicates().sort_values(["analyte", "matrix"])
    for analyte, matrix in pairs.itertuples(index=False, name=None):
        stem = f"{analyte}_{matrix}"
        where = {"analyte": str(analyte), "matrix": str(matrix), "by": by.value}
        for path in (
            plot_spaghetti(samples, out / f"{stem}_spaghetti.png", **where),
            plot_mean_profile(samples, out / f"{stem}_mean.png", **where),
        ):
            typer.echo(f"wrote {path}")


def _json_numbers(value: object) -> object:
    """``value`` with every NaN or infinity as ``null`` (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_numbers(v) for v in value]
    return value


@kinetics_app.command("fit")
@handle_errors
def fit(
    file: Path = typer.Argument(..., help="Sample table (CSV or parquet)."),
    plot_dir: Path | None = typer.Option(None, "--plot-dir", help="Write one fit figure each."),
    population: str | None = typer.Option(
        None,
        "--population",
        help="Shrink each fit to a population's values (MAP): solid-tumour (Stein 2019 scaled).",
    ),
) -> None:
    """Fit the multiphasic kinetic model per subject (BLQ censored, form chosen by AICc); JSON.

    Each profile is fitted, withheld (flagged: the data cannot support the fit) or not
    fitted (too few quantified samples); the counts go to stderr. With ``--population``
    every fit is the biphasic form shrunk to the population (``ck_population``).
    """
    from cartrial.kinetics.ck_fit import CkFit, count_fits, fit_ck_model, fit_ck_population
    from cartrial.kinetics.ck_population import population_named
    from cartrial.kinetics.data import build_profiles, load_samples
    from cartrial.report.figures.kinetics import plot_ck_fit

    prior = population_named(population) if population is not None else None
    profiles = build_profiles(load_samples(file))
    results: list[dict[str, object]] = []
    fits: list[CkFit | None] = []
    if plot_dir is not None:
        plot_dir.mkdir(parents=True, exist_ok=True)
    for i, key in enumerate(profiles.keys.to_dict(orient="records")):
        record: dict[str, object] = {k: key[k] for k in ("subject", "analyte", "matrix")}
        lloq = float(key["lloq"])
        try:
            if prior is None:
                result = fit_ck_model(profiles.time[i], profiles.conc[i], lloq)
            else:
                result = fit_ck_population(profiles.time[i], profiles.conc[i], lloq, prior)
        except InputError as exc:
            record["status"] = "not fitted"
            record["reason"] = f"not fitted: {exc}"
            results.append(record)
            fits.append(None)
            continue
        fits.append(result)
        record.update(
            status="fitted" if result.supported else "withheld",
            form=result.form,
            estimates=result.estimates,
            intervals={k: list(v) for k, v in result.intervals.items()},
            standard_errors=result.standard_errors,
            sigma_ml=result.sigma_ml,
            log_likelihood=result.log_likelihood,
            aicc=result.aicc,
            considered=result.considered,
            shrinkage=result.shrinkage,
            n_quantified=result.n_quantified,
            n_censored=result.n_censored,
            degrees_of_freedom=result.degrees_of_freedom,
            converged=result.converged,
            flags=list(result.flags),
            reason=result.reason,
            message=result.message,
            method=result.method,
        )
        if plot_dir is not None:
            name = f"{key['subject']}_{key['analyte']}_{key['matrix']}_fit.png"
            status = "" if result.supported else " (withheld)"
            record["figure"] = str(
                plot_ck_fit(
                    result,
                    profiles.time[i],
                    profiles.conc[i],
                    lloq,
                    plot_dir / name,
                    title=f"{key['subject']} {key['analyte']} ({key['matrix']}), "
                    f"{result.form}{status}",
                    unit=str(key["unit"]),
                )
            )
        results.append(record)
    typer.echo(count_fits(fits).describe(), err=True)
    print_json([_json_numbers(r) for r in results])
