"""``cartrial infusion check``: a dry run of the infusion interlocks, writing nothing.

Lists every interlock of :data:`cartrial.services.interlocks.INTERLOCKS` with
its state (pass, fail, not checked where an input is left out) and its reason
(21 CFR 11.10(f)), then the verdict. Exit 0 whether or not the infusion would
pass; exit 2 on bad input. The database is chosen as for every store command;
the command reads as ``cli:<operating-system user>`` in the admin role.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from cartrial.cli.common import Url, console, handle_errors, print_json
from cartrial.cli.store import _cli_actor, _migrated_engine
from cartrial.errors import InputError
from cartrial.services.casebook import find_subject
from cartrial.services.interlocks import dry_run, find_lot
from cartrial.store import make_sessionmaker

__all__ = ["infusion_app"]

infusion_app = typer.Typer(help="The CAR-T infusion: check its interlocks.", no_args_is_help=True)

_STATE_STYLE = {"pass": "green", "fail": "bold red", "not_checked": "yellow"}


def _moment(text: str | None) -> dt.datetime | None:
    """An ISO 8601 time with its UTC offset (``2026-03-06T10:00:00+08:00`` or ``...Z``)."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputError("at", text, "an ISO 8601 time with its UTC offset, e.g. 2026-03-06T10:00Z")
    return moment


@infusion_app.command("check")
@handle_errors
def check(
    subject: Annotated[str, typer.Argument(help="subject code (or id when codes repeat)")],
    lot: Annotated[str | None, typer.Option("--lot", help="product lot number or id")] = None,
    cells: Annotated[
        int | None, typer.Option("--cells", min=1, help="viable CAR+ cells to infuse")
    ] = None,
    scanned: Annotated[
        str | None, typer.Option("--scanned", help="chain-of-identity id read at the bedside")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="when the infusion would start, ISO 8601 with offset [now]"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    url: Url = None,
) -> None:
    """List every infusion interlock with its state and reason; write nothing."""
    started_at = _moment(at)
    sessions = make_sessionmaker(_migrated_engine(url))
    actor = _cli_actor()
    result = dry_run(
        sessions,
        actor=actor,
        subject_id=find_subject(sessions, actor=actor, key=subject),
        lot_id=find_lot(sessions, actor=actor, key=lot) if lot is not None else None,
        scanned_chain_of_identity_id=scanned,
        cells_infused=cells,
        at=started_at,
    )
    if as_json:
        print_json(result.as_json())
        return
    table = Table(
        title=f"Infusion interlocks: subject {result.subject_code} as of {result.as_of.isoformat()}"
    )
    table.add_column("interlock", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("reason")
    for item in result.interlocks:
        state = item.state.replace("_", " ")
        table.add_row(item.name, f"[{_STATE_STYLE[item.state]}]{state}[/]", item.reason)
    console.print(table)
    console.print(
        f"verdict: {result.verdict}: {result.describe()}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
