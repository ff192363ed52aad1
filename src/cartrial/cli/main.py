"""The ``cartrial`` command: one sub-command group per domain package."""

from __future__ import annotations

import typer

from cartrial import __version__
from cartrial.cli.casebook import casebook
from cartrial.cli.demo import demo
from cartrial.cli.escalation import app as escalation_app
from cartrial.cli.infusion import infusion_app
from cartrial.cli.kinetics import kinetics_app
from cartrial.cli.protocol import protocol_app
from cartrial.cli.response import response_app
from cartrial.cli.safety import safety_app
from cartrial.cli.schedule import schedule
from cartrial.cli.screen import screen
from cartrial.cli.store import (
    audit_app,
    db_app,
    export_data,
    import_data,
    serve,
    site_app,
    user_app,
)
from cartrial.cli.trial import trial_app

app = typer.Typer(
    name="cartrial",
    help="Run and analyse a first-in-human CAR-T cell therapy trial in solid tumours.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the cartrial version."""
    typer.echo(__version__)


# Commands and sub-command groups register below, one line each (keeps merges trivial).
app.command(name="demo")(demo)
app.command(name="screen")(screen)
app.add_typer(protocol_app, name="protocol")
app.command(name="schedule")(schedule)
app.add_typer(kinetics_app, name="kinetics")
app.add_typer(response_app, name="response")
app.add_typer(db_app, name="db")
app.add_typer(site_app, name="site")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.command(name="serve")(serve)
app.command(name="export")(export_data)
app.command(name="import")(import_data)
app.add_typer(safety_app, name="safety")
app.add_typer(escalation_app, name="escalation")
app.command(name="casebook")(casebook)
app.add_typer(infusion_app, name="infusion")
app.add_typer(trial_app, name="trial")
