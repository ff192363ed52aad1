"""``cartrial response``: RECIST 1.1 and iRECIST for one subject's assessment file.

The input format is documented, with examples, in ``docs/response.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.table import Table

from cartrial.cli.common import console, handle_errors, print_json, print_table, read_json_file
from cartrial.display import landmark_label
from cartrial.errors import InputError, input_error_from_validation
from cartrial.protocol.load import load_protocol
from cartrial.response.assess import SubjectRecist, assess_recist
from cartrial.response.baseline import BaselineError, require_valid_baseline
from cartrial.response.irecist import SubjectIRecist, assess_irecist
from cartrial.response.lesions import parse_subject
from cartrial.response.mrecist import assess_mrecist, check_mrecist_baseline
from cartrial.response.settings import ResponseSettings, settings_from_protocol
from cartrial.response.summary import StudySummary, summarise_study
from cartrial.survival.derive import CENSORING_RULES

__all__ = ["response_app"]

R = TypeVar("R", SubjectRecist, SubjectIRecist)

response_app = typer.Typer(
    help="Tumour response: RECIST 1.1, iRECIST, mRECIST per subject; the study's summary.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="JSON file: one subject's lesions and assessments.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
SettingsOpt = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="JSON file of response settings (the protocol's 'response' section).",
    ),
]


ProtocolOpt = Annotated[
    str | None,
    typer.Option(
        "--protocol",
        "-p",
        help="Take the settings from this protocol's 'response' section (bundled id or file).",
    ),
]


def load_settings(path: Path | None, protocol: str | None = None) -> ResponseSettings:
    """Response settings from a JSON file, from a protocol, or the defaults."""
    if path is not None and protocol is not None:
        raise InputError("--settings", str(path), "either --settings or --protocol, not both")
    if protocol is not None:
        return settings_from_protocol(load_protocol(protocol).protocol.response)
    if path is None:
        return ResponseSettings()
    try:
        return ResponseSettings.model_validate(read_json_file(path))
    except ValidationError as exc:
        raise input_error_from_validation(exc, source=str(path)) from exc


def _fmt(value: object) -> str:
    return "" if value is None else str(value)


def _print_reasons(result: SubjectRecist | SubjectIRecist, bor_label: str) -> None:
    """Each time point's reasons, then the best overall response and its reasons."""
    for tp in result.timepoints:
        console.print(f"[bold]{tp.date}[/]: " + "; ".join(tp.reasons), highlight=False)
    bor = result.best_overall_response
    console.print(f"\n[bold]{bor_label}: {bor.response}[/]", highlight=False)
    for reason in bor.reasons:
        console.print(f"  - {reason}", highlight=False)


def _render_recist(result: SubjectRecist) -> None:
    name = {"recist11": "RECIST 1.1", "mrecist11": "mRECIST 1.1 (mesothelioma)"}[result.criteria]
    table = Table(title=f"{name}: subject {result.subject_id}")
    table.add_column("date", no_wrap=True)
    for column in ("day", "sum mm", "%base", "%nadir", "target", "non-target", "new"):
        table.add_column(column)
    table.add_column("overall", style="bold", no_wrap=True)
    for tp in result.timepoints:
        table.add_row(
            tp.date.isoformat(),
            str(tp.day),
            _fmt(tp.target_sum_mm),
            _fmt(tp.change_from_baseline_pct),
            _fmt(tp.change_from_nadir_pct),
            _fmt(tp.target),
            _fmt(tp.non_target),
            ", ".join(tp.new_lesions + [f"{x}?" for x in tp.equivocal_new_lesions]),
            tp.overall,
        )
    print_table(table)
    _print_reasons(result, "Best overall response")


def _run(
    assess: Callable[..., R],
    render: Callable[[R], None],
    file: Path,
    *,
    json: bool,
    settings: Path | None,
    protocol: str | None,
) -> None:
    """Read one subject, assess it with ``assess`` under the chosen settings, print the result."""
    config = load_settings(settings, protocol)
    subject = parse_subject(read_json_file(file), source=str(file))
    result = assess(subject, settings=config, source=str(file))
    if json:
        print_json(result)
    else:
        render(result)


@response_app.command("recist")
@handle_errors
def recist_command(
    file: FileArg,
    json: JsonOpt = False,
    settings: SettingsOpt = None,
    protocol: ProtocolOpt = None,
) -> None:
    """RECIST 1.1 time-point responses and best overall response for one subject."""
    _run(assess_recist, _render_recist, file, json=json, settings=settings, protocol=protocol)


def _render_irecist(result: SubjectIRecist) -> None:
    table = Table(title=f"iRECIST: subject {result.subject_id}")
    table.add_column("date", no_wrap=True)
    for column in ("day", "sum mm", "target", "non-target", "new (NLT/NLNT)", "NLT sum"):
        table.add_column(column)
    table.add_column("overall", style="bold", no_wrap=True)
    for tp in result.timepoints:
        table.add_row(
            tp.date.isoformat(),
            str(tp.day),
            _fmt(tp.target_sum_mm),
            _fmt(tp.target),
            _fmt(tp.non_target),
            ", ".join(tp.new_lesion_targets) + " / " + ", ".join(tp.new_lesion_non_targets),
            str(tp.new_lesion_target_sum_mm),
            tp.overall,
        )
    print_table(table)
    _print_reasons(result, "i-best overall response")


@response_app.command("mrecist")
@handle_errors
def mrecist_command(
    file: FileArg,
    json: JsonOpt = False,
    settings: SettingsOpt = None,
    protocol: ProtocolOpt = None,
) -> None:
    """Modified RECIST 1.1 for pleural mesothelioma (pleural rind + other targets) and BOR."""
    _run(assess_mrecist, _render_recist, file, json=json, settings=settings, protocol=protocol)


@response_app.command("irecist")
@handle_errors
def irecist_command(
    file: FileArg,
    json: JsonOpt = False,
    settings: SettingsOpt = None,
    protocol: ProtocolOpt = None,
) -> None:
    """iRECIST time-point responses (iUPD, iCPD) and i-best overall response for one subject."""
    _run(assess_irecist, _render_irecist, file, json=json, settings=settings, protocol=protocol)


def _render_summary(summary: StudySummary) -> None:
    table = Table(title="Best overall response (RECIST 1.1)")
    for column in ("subject", "dose", "tumour", "criteria", "BOR", "BOR window", "iBOR"):
        table.add_column(column)
    for column in ("best %", "PFS d", "OS d", "DOR d"):
        table.add_column(column, justify="right")
    for column in ("PFS rule", "OS rule", "DOR rule"):
        table.add_column(column)
    for r in summary.subjects:
        table.add_row(
            r.subject_id,
            _fmt(r.dose_level),
            _fmt(r.tumour_type),
            r.criteria,
            r.best_overall_response,
            r.best_overall_response_in_window,
            _fmt(r.i_best_overall_response),
            _fmt(r.best_change_pct),
            f"{r.pfs.days}{'' if r.pfs.event else '+'}",
            f"{r.os.days}{'' if r.os.event else '+'}",
            "" if r.dor is None else f"{r.dor.days}{'' if r.dor.event else '+'}",
            r.pfs.rule,
            r.os.rule,
            "" if r.dor is None else r.dor.rule,
        )
    print_table(table)
    _render_rules(summary)
    for title, rates in (
        ("whole follow-up", summary.rates),
        (f"within {summary.window_days} days", summary.rates_in_window),
    ):
        table = Table(title=f"ORR / DCR, {title} (Clopper-Pearson 95% CI)")
        for column in ("by", "group", "endpoint", "n/N", "rate", "95% CI"):
            table.add_column(column)
        for e in rates:
            table.add_row(
                e.group_by,
                e.group,
                e.endpoint,
                f"{e.responders}/{e.n}",
                f"{100 * e.rate:.1f}%",
                f"{100 * e.ci_low:.1f}-{100 * e.ci_high:.1f}%",
            )
        print_table(table)
    rule = next((k.median_rule_text for c in summary.kaplan_meier.values() for k in c), "")
    table = Table(title=f"Kaplan-Meier (days; log-log 95% CI; {rule})")
    for column in ("endpoint", "group", "n", "events", "median", "95% CI", "landmark rate"):
        table.add_column(column)
    for endpoint, curves in summary.kaplan_meier.items():
        for k in curves:
            landmark = k.landmarks[0]
            rate = "NE" if landmark.survival is None else f"{landmark.survival:.3f}"
            if landmark.ci_low is not None and landmark.ci_high is not None:
                rate += f" ({landmark.ci_low:.3f}-{landmark.ci_high:.3f})"
            table.add_row(
                endpoint,
                k.label,
                str(k.n),
                str(k.events),
                "NR" if k.median is None else f"{k.median:g}",
                f"{_fmt_or(k.median_ci_low)}-{_fmt_or(k.median_ci_high)}",
                f"{landmark_label(landmark.time)}: {rate}",
            )
    print_table(table)


def _render_rules(summary: StudySummary) -> None:
    """Each censoring rule applied, in words, and the notes of any derived time."""
    used: dict[str, str] = {}
    notes: list[str] = []
    for r in summary.subjects:
        for t in (r.pfs, r.os, r.dor):
            if t is not None:
                used.setdefault(t.rule, CENSORING_RULES[t.rule])
                notes += [f"{r.subject_id} {t.endpoint}: {n}" for n in t.notes]
    table = Table(title="Time-to-event rules applied (cartrial.survival.derive; FDA 2018)")
    table.add_column("rule", no_wrap=True)
    table.add_column("meaning")
    for rule, text in used.items():
        table.add_row(rule, text)
    print_table(table)
    for note in notes:
        console.print(f"  - {note}", highlight=False)


def _fmt_or(value: float | None) -> str:
    return "NE" if value is None else f"{value:g}"


@response_app.command("summary")
@handle_errors
def summary_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of subject JSON files (one subject per file).")
    ],
    json: JsonOpt = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML report with figures here.")
    ] = None,
    settings: SettingsOpt = None,
    protocol: ProtocolOpt = None,
    window_days: Annotated[
        int, typer.Option("--window-days", min=1, help="ORR/DCR window after infusion (days).")
    ] = 56,
) -> None:
    """Study summary: BOR table, ORR/DCR with exact CIs, DOR/PFS/OS Kaplan-Meier."""
    config = load_settings(settings, protocol)
    if not directory.is_dir():
        raise InputError("DIR", str(directory), "a folder of subject JSON files")
    files = sorted(directory.glob("*.json"))
    if not files:
        raise InputError("DIR", str(directory), "at least one subject *.json file")
    subjects = [parse_subject(read_json_file(f), source=str(f)) for f in files]
    seen: dict[str, Path] = {}
    for subject, f in zip(subjects, files, strict=True):
        if subject.subject_id in seen:
            raise InputError(
                "subject_id",
                subject.subject_id,
                f"unique (also in {seen[subject.subject_id]})",
                source=str(f),
            )
        seen[subject.subject_id] = f
    for subject, f in zip(subjects, files, strict=True):
        if not subject.has_baseline:
            continue  # BOR NE, PFS censored at the start (cartrial.response.summary)
        if config.criteria_for(subject.tumour_type or "") == "mrecist11":
            issues = check_mrecist_baseline(subject, settings=config)
            if issues:
                raise BaselineError(issues, source=str(f), criteria="mRECIST 1.1")
        else:
            require_valid_baseline(subject, source=str(f), settings=config)
    summary = summarise_study(subjects, settings=config, window_days=window_days)
    if html is not None:
        from cartrial.report.response_page import render_summary_html

        html.write_text(render_summary_html(summary), encoding="utf-8")
    if json:
        print_json(summary)
    else:
        _render_summary(summary)
