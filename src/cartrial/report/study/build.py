"""Assemble the study report from :class:`~cartrial.services.study_report.StudyData`.

Sections 1-9 are built, numbered (tables and figures in document order), then section 10
maps each registered outcome measure to the numbered tables and figures, and section 11
places the trial's rates in the published landscape (issue 19).
"""

from __future__ import annotations

from collections.abc import Callable

from cartrial.report.study.model import Section, StudyReport, number
from cartrial.report.study.sections.baseline import baseline_section
from cartrial.report.study.sections.biomarkers import biomarkers_section
from cartrial.report.study.sections.common import Context
from cartrial.report.study.sections.efficacy import efficacy_section
from cartrial.report.study.sections.escalation import escalation_section
from cartrial.report.study.sections.exposure import exposure_section
from cartrial.report.study.sections.flow import flow_section
from cartrial.report.study.sections.kinetics import kinetics_section
from cartrial.report.study.sections.landscape import landscape_section
from cartrial.report.study.sections.outcome_map import outcome_section
from cartrial.report.study.sections.safety import safety_section
from cartrial.report.study.sections.title import title_facts, title_section
from cartrial.services.study_report import StudyData

__all__ = ["build_report", "no_link"]

SECTIONS: tuple[Callable[[Context], Section], ...] = (
    title_section,
    flow_section,
    baseline_section,
    exposure_section,
    escalation_section,
    safety_section,
    efficacy_section,
    kinetics_section,
    biomarkers_section,
)


def no_link(code: str) -> str | None:
    """Subjects without a casebook link (the report written without ``--casebooks``)."""
    return None


def build_report(data: StudyData, *, link: Callable[[str], str | None] = no_link) -> StudyReport:
    """The numbered report of ``data``; ``link`` gives a subject's casebook href."""
    ctx = Context(data=data, link=link)
    first = number([build(ctx) for build in SECTIONS])
    sections = number([*first, outcome_section(ctx, first), landscape_section(ctx)])
    warnings = []
    if not data.locked:
        warnings.append(
            f"Data cut not locked: {len(data.unlocked)} of {len(data.records)} subjects unlocked."
        )
    if data.entries_after_cut:
        warnings.append(f"{data.entries_after_cut} audit entries are later than the data cut.")
    s = data.analysis.summary
    return StudyReport(
        title=f"Study report: {s.protocol_id}, data cut {s.data_cut.isoformat()}",
        title_page=title_facts(ctx),
        sections=sections,
        warnings=warnings,
    )
