"""``cartrial schedule``: one patient's doses and treatment calendar under a protocol.

Numbers are read as exact decimals from the command line (never through binary
floating point); every bad value is one message naming the option's field and
exit code 2, with nothing printed on stdout.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

import typer
from rich.table import Table

from cartrial.cli.common import console, handle_errors, print_json
from cartrial.dosing.bsa import BsaFormula
from cartrial.dosing.cell_dose import format_scientific
from cartrial.dosing.lymphodepletion import format_decimal
from cartrial.dosing.schedule import Schedule, ScheduleRequest, compute_schedule
from cartrial.errors import InputError
from cartrial.protocol.load import load_protocol
from cartrial.units import convert

__all__ = ["schedule", "schedule_tables"]

_FORMULAS: tuple[BsaFormula, ...] = ("mosteller", "dubois")
_TIMING_STYLE = {
    "satisfied": "green",
    "satisfied_from_time": "yellow",
    "needs_end_time": "yellow",
    "not_satisfied": "bold red",
}


def _decimal(field: str, text: str, expected: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(field, text, expected) from None
    if not value.is_finite():
        raise InputError(field, text, expected)
    return value


def _date(text: str) -> date:
    from cartrial.dates import check_date

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError("infusion_date", text, "a calendar date as YYYY-MM-DD") from None
    return check_date(day, "clinical", field="infusion_date")


def _time(text: str) -> time:
    try:
        parsed = time.fromisoformat(text.strip())
    except ValueError:
        raise InputError("ld_end_time", text, "a clock time as HH:MM (24 h)") from None
    return parsed.replace(second=0, microsecond=0)


def _formula(text: str | None) -> BsaFormula | None:
    if text is None:
        return None
    for formula in _FORMULAS:
        if text.strip().lower() == formula:
            return formula
    raise InputError("bsa_formula", text, "mosteller or dubois")


def _sex(text: str | None) -> Literal["female", "male"] | None:
    if text is None:
        return None
    value = text.strip().lower()
    if value == "female":
        return "female"
    if value == "male":
        return "male"
    raise InputError("sex", text, "female or male")


def _creatinine(text: str | None, unit: str) -> Decimal | None:
    if text is None:
        return None
    value = _decimal("serum_creatinine", text, "a serum creatinine value")
    if value <= 0:
        raise InputError("serum_creatinine", text, "a positive serum creatinine")
    return convert("creatinine", value, unit, field="creatinine").value


def schedule_tables(result: Schedule) -> list[Table | str]:
    """The schedule as rich tables (and a few lines), in reading order."""
    out: list[Table | str] = []
    bsa = result.bsa
    r = result.request
    out.append(
        f"[bold]{result.protocol_id}[/] (version {result.protocol_version}): infusion "
        f"{r.infusion_date.isoformat()}, weight {format_decimal(r.weight_kg)} kg, height "
        f"{format_decimal(r.height_cm)} cm -> BSA [bold]{bsa.bsa_m2} m2[/] ({bsa.reason}); "
        f"{result.crcl_reason}"
    )

    ld = Table(title="Lymphodepletion (daily doses)")
    ld.add_column("agent")
    ld.add_column("mg/m2/day", justify="right")
    ld.add_column("renal factor", justify="right")
    ld.add_column("mg/day", justify="right")
    ld.add_column("days")
    ld.add_column("total mg", justify="right")
    for a in result.lymphodepletion.agents:
        factor = format_decimal(a.renal_factor) if a.renal_assessed else "not assessed"
        dose = str(a.daily_dose_mg) if a.is_given else "[bold red]not given[/]"
        ld.add_row(
            a.agent,
            format_decimal(a.dose_mg_per_m2_per_day),
            factor,
            dose,
            ", ".join(str(d) for d in a.days),
            str(a.total_mg),
        )
    ld.caption = "\n".join(a.reason for a in result.lymphodepletion.agents)
    out.append(ld)

    c = result.cell_dose
    cells = Table(title="CAR-T cell dose")
    cells.add_column("level")
    cells.add_column("cells/kg")
    cells.add_column("dosing weight")
    cells.add_column("total cells", justify="right")
    capped = " (capped)" if c.is_weight_capped else ""
    cells.add_row(
        str(c.level),
        format_scientific(c.cells_per_kg),
        f"{format_decimal(c.dosing_weight_kg)} kg{capped}",
        f"{c.total_cells:,}",
    )
    cells.caption = c.reason
    out.append(cells)

    days = Table(title="Treatment days")
    days.add_column("day", justify="right")
    days.add_column("date")
    days.add_column("what")
    doses = {a.agent: a for a in result.lymphodepletion.agents}
    for d in result.calendar.lymphodepletion:
        what = ", ".join(f"{name} {doses[name].daily_dose_mg} mg" for name in d.agents)
        days.add_row(str(d.day), d.date.isoformat(), what)
    timing = result.calendar.infusion
    note = ""
    if timing is not None and timing.status == "satisfied_from_time" and timing.earliest:
        note = f" (not before {timing.earliest.strftime('%H:%M')})"
    elif timing is not None and timing.status == "needs_end_time":
        note = " (time: see earliest infusion)"
    elif timing is not None and timing.status == "not_satisfied":
        note = " [bold red](TOO EARLY)[/]"
    days.add_row(
        "0",
        result.calendar.infusion_date.isoformat(),
        f"CAR-T infusion, {c.total_cells:,} cells{note}",
    )
    out.append(days)

    if timing is not None:
        style = _TIMING_STYLE[timing.status]
        out.append(f"Earliest infusion: [{style}]{timing.status}[/]: {timing.reason}")

    if result.calendar.visits:
        visits = Table(title="Visits")
        for name in ("visit", "day", "date", "earliest", "latest"):
            visits.add_column(name)
        for v in result.calendar.visits:
            visits.add_row(
                f"{v.label} ({v.id})" + (" [dim](assumed)[/]" if v.is_assumed else ""),
                str(v.day),
                v.date.isoformat(),
                v.earliest.isoformat(),
                v.latest.isoformat(),
            )
        out.append(visits)

    if result.calendar.sampling:
        sampling = Table(title="Sampling days")
        for name in ("day", "date", "samples"):
            sampling.add_column(name)
        for s in result.calendar.sampling:
            sampling.add_row(str(s.day), s.date.isoformat(), ", ".join(s.analytes))
        out.append(sampling)
    return out


@handle_errors
def schedule(
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol", "-p", metavar="ID|FILE", help="Bundled protocol id or a protocol file"
        ),
    ],
    infusion_date: Annotated[
        str,
        typer.Option(
            "--infusion-date", metavar="YYYY-MM-DD", help="Planned CAR-T infusion date (YYYY-MM-DD)"
        ),
    ],
    weight_kg: Annotated[
        str, typer.Option("--weight-kg", metavar="KG", help="Actual body weight in kg")
    ],
    height_cm: Annotated[str, typer.Option("--height-cm", metavar="CM", help="Height in cm")],
    dose_level: Annotated[
        int | None,
        typer.Option(
            "--dose-level", metavar="LEVEL", help="Dose level (from 1); default: the starting level"
        ),
    ] = None,
    crcl: Annotated[
        str | None,
        typer.Option(
            "--crcl",
            metavar="ML_MIN",
            help="Creatinine clearance in mL/min (for the renal adjustment)",
        ),
    ] = None,
    age: Annotated[
        int | None,
        typer.Option("--age", metavar="YEARS", help="Age in years (for Cockcroft-Gault)"),
    ] = None,
    sex: Annotated[
        str | None,
        typer.Option("--sex", metavar="female|male", help="female or male (for Cockcroft-Gault)"),
    ] = None,
    creatinine: Annotated[
        str | None,
        typer.Option(
            "--creatinine",
            metavar="VALUE",
            help="Serum creatinine (for Cockcroft-Gault when no --crcl)",
        ),
    ] = None,
    creatinine_unit: Annotated[
        str, typer.Option("--creatinine-unit", metavar="UNIT", help="mg/dL or umol/L")
    ] = "mg/dL",
    bsa_formula: Annotated[
        str | None,
        typer.Option(
            "--bsa-formula",
            metavar="mosteller|dubois",
            help="mosteller or dubois; default: the protocol's",
        ),
    ] = None,
    ld_end_time: Annotated[
        str | None,
        typer.Option(
            "--ld-end-time",
            metavar="HH:MM",
            help="End time (HH:MM) of the last lymphodepletion dose",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the schedule as JSON")] = False,
) -> None:
    """BSA, lymphodepletion doses with renal adjustment, cell dose, infusion timing, calendar."""
    request = ScheduleRequest(
        infusion_date=_date(infusion_date),
        weight_kg=_decimal("weight_kg", weight_kg, "a body weight in kg"),
        height_cm=_decimal("height_cm", height_cm, "a height in cm"),
        dose_level=dose_level,
        crcl_ml_per_min=(
            None if crcl is None else _decimal("crcl", crcl, "a creatinine clearance in mL/min")
        ),
        age_years=age,
        sex=_sex(sex),
        serum_creatinine_mg_dl=_creatinine(creatinine, creatinine_unit),
        bsa_formula=_formula(bsa_formula),
        ld_end_time=None if ld_end_time is None else _time(ld_end_time),
    )
    result = compute_schedule(protocol=load_protocol(protocol).protocol, request=request)
    if as_json:
        print_json(result)
        return
    for part in schedule_tables(result):
        console.print(part)
    for warning in result.warnings:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
