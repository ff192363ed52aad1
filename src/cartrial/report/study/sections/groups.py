"""Columns by dose level and overall, over the infused subjects (the safety population,
ICH E3 section 12.2.1: treated subjects, by treatment group)."""

from __future__ import annotations

from cartrial.services.study_report_records import SubjectRecord

__all__ = ["by_level"]


def by_level(records: list[SubjectRecord]) -> list[tuple[str, list[SubjectRecord]]]:
    """(column name, its infused subjects): each dose level in order, then Overall."""
    infused = [r for r in records if r.infused]
    levels = sorted({r.dose_level for r in infused if r.dose_level is not None})
    out = [(f"DL{lv}", [r for r in infused if r.dose_level == lv]) for lv in levels]
    return [*out, ("Overall", infused)]
