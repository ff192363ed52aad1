"""The ``cartrial`` command: one sub-command group per domain package.

Start-up is kept cheap: this module imports only typer and the list below. A command's
module (and with it scipy, pandas, lifelines, SQLAlchemy...) is imported when that command
runs or its own ``--help`` is asked for; ``cartrial --help`` shows the one-line help kept
here (``tests/cli/test_startup.py`` checks it against each command's own).
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import typer
from typer._click import Context  # the click typer bundles (typer >= 0.29)
from typer.core import TyperCommand, TyperGroup, TyperOption

from cartrial import __version__
from cartrial.errors import CartrialError


class LazyCommand(NamedTuple):
    """Where a command lives and the line ``cartrial --help`` shows for it."""

    module: str
    attribute: str
    help: str


# Commands and sub-command groups register below, one line each (keeps merges trivial).
# Order is the order ``cartrial --help`` lists them in.
COMMANDS: dict[str, LazyCommand] = {
    "demo": LazyCommand(
        "cartrial.cli.demo",
        "demo",
        "Screen a reproducible synthetic cohort against every bundled protocol.",
    ),
    "screen": LazyCommand(
        "cartrial.cli.screen",
        "screen",
        "Screen subjects against a protocol: every criterion met or not met (inclusion), "
        "excluded or not excluded (exclusion), or needs review.",
    ),
    "schedule": LazyCommand(
        "cartrial.cli.schedule",
        "schedule",
        "BSA, lymphodepletion doses with renal adjustment, cell dose, infusion timing, calendar.",
    ),
    "serve": LazyCommand(
        "cartrial.cli.store",
        "serve",
        "Serve the REST API under /api/v1 (OpenAPI at /api/v1/openapi.json).",
    ),
    "export": LazyCommand(
        "cartrial.cli.store",
        "export_data",
        "Export all trial data, audit trail included, as JSON and CSV with a manifest (audited).",
    ),
    "import": LazyCommand(
        "cartrial.cli.store",
        "import_data",
        "Import an export into an empty database at the same revision; verify the audit chain.",
    ),
    "casebook": LazyCommand(
        "cartrial.cli.casebook",
        "casebook",
        "Write a subject's casebook: every record, signature and audit entry, as HTML.",
    ),
    "protocol": LazyCommand(
        "cartrial.cli.protocol",
        "protocol_app",
        "The trial protocols as code: list the bundled ones, show one, validate a file, "
        "register one in the trial database.",
    ),
    "kinetics": LazyCommand(
        "cartrial.cli.kinetics",
        "kinetics_app",
        "Cellular kinetics: NCA of CAR transgene levels (PKNCA rules).",
    ),
    "redcap": LazyCommand(
        "cartrial.cli.interop",
        "redcap_app",
        "REDCap data dictionaries and record imports.",
    ),
    "odm": LazyCommand("cartrial.cli.interop", "odm_app", "CDISC ODM 1.3.2 export and import."),
    "landscape": LazyCommand(
        "cartrial.cli.landscape",
        "landscape_app",
        "CAR-T trials in solid tumours (Guo et al. 2025) and pooled response rates.",
    ),
    "response": LazyCommand(
        "cartrial.cli.response",
        "response_app",
        "Tumour response: RECIST 1.1, iRECIST, mRECIST per subject; the study's summary.",
    ),
    "db": LazyCommand("cartrial.cli.store", "db_app", "Create and migrate the trial database."),
    "site": LazyCommand("cartrial.cli.store", "site_app", "Register trial sites."),
    "user": LazyCommand("cartrial.cli.store", "user_app", "Manage user accounts and their roles."),
    "audit": LazyCommand("cartrial.cli.store", "audit_app", "Check the audit trail."),
    "safety": LazyCommand(
        "cartrial.cli.safety",
        "safety_app",
        "Safety: ASTCT CRS/ICANS grading, CTCAE v5.0 lab grading, TEAE and DLT adjudication.",
    ),
    "escalation": LazyCommand(
        "cartrial.cli.escalation",
        "app",
        "Dose escalation: next dose, boundaries, MTD selection, simulation.",
    ),
    "infusion": LazyCommand(
        "cartrial.cli.infusion", "infusion_app", "The CAR-T infusion: check its interlocks."
    ),
    "trial": LazyCommand("cartrial.cli.trial", "trial_app", "Whole virtual trials of a protocol."),
    "report": LazyCommand(
        "cartrial.cli.report",
        "report",
        "Write the study report: every endpoint as numbered tables, listings and figures.",
    ),
    "cdisc": LazyCommand(
        "cartrial.cli.cdisc",
        "cdisc_app",
        "CDISC datasets: SDTM from the trial database, ADaM from SDTM (XPORT, Dataset-JSON, "
        "define.xml).",
    ),
}


def load_command(name: str) -> TyperCommand | TyperGroup:
    """Import the module of command ``name`` and build its command (or group)."""
    spec = COMMANDS[name]
    target = getattr(importlib.import_module(spec.module), spec.attribute)
    command: TyperCommand | TyperGroup
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name=name)(target)
        built = typer.main.get_command(single)
        assert isinstance(built, TyperCommand)
        command = built
    command.name = name
    return command


class _Placeholder(TyperCommand):
    """Stands in for a command not imported yet: its name and one-line help only."""


class LazyGroup(TyperGroup):
    """A group whose commands are imported only when one of them is resolved."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, spec in COMMANDS.items():
            self.commands.setdefault(name, _Placeholder(name, help=spec.help))

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and isinstance(self.commands.get(args[0]), _Placeholder):
            try:
                self.commands[args[0]] = load_command(args[0])
            except CartrialError as exc:  # an optional dependency missing: named, exit 2
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2) from exc
        return super().resolve_command(ctx, args)


def _flag_type(self: TyperOption, ctx: Context) -> str | None:
    """No ``<bool>`` next to a flag in ``--help``: a flag takes no value."""
    if self.is_flag:
        return None
    return _option_type(self, ctx)


_option_type = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]

app = typer.Typer(
    name="cartrial",
    cls=LazyGroup,
    help="Run and analyse a first-in-human CAR-T cell therapy trial in solid tumours.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Run and analyse a first-in-human CAR-T cell therapy trial in solid tumours."""


@app.command()
def version() -> None:
    """Print the cartrial version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
