"""The lanes of the CRS/ICANS swimmer plot: one per patient, grade segments in study days.

Each patient is a bar from the first lymphodepleting dose (or infusion) to the
last contact or death, in study days (infusion = day 0). CRS and ICANS AE
records draw their grade course on two thin tracks over the bar, coloured by
grade; a cross marks death. The lanes are data: they are placed and drawn by
:mod:`cartrial.report.figures.toxicity_swimmer` and the safety page's template.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from cartrial.safety.events import PatientSafety, study_day

__all__ = ["Lane", "Segment", "compute_swimmer_lanes"]

_TERMS = {
    "Cytokine release syndrome": "CRS",
    "Immune effector cell-associated neurotoxicity syndrome": "ICANS",
}


class Segment(BaseModel):
    track: str
    start_day: float
    end_day: float
    grade: int


class Lane(BaseModel):
    patient: str
    group: str
    start_day: float
    end_day: float
    died: bool
    segments: list[Segment]


def _day(moment: datetime, infusion: datetime) -> float:
    whole = study_day(moment, infusion) or 0
    return whole + (moment.hour * 60 + moment.minute) / 1440


def compute_swimmer_lanes(patients: list[PatientSafety]) -> list[Lane]:
    """One lane per infused patient, with CRS/ICANS grade segments in study days."""
    from cartrial.safety.ctcae import load_ctcae

    table = load_ctcae()
    lanes = []
    for p in patients:
        if p.infusion is None:
            continue
        start = _day(p.first_lymphodepletion, p.infusion) if p.first_lymphodepletion else 0.0
        ends = [t for t in (p.last_contact, p.death.time if p.death else None) if t]
        segments = []
        for ae in p.adverse_events:
            track = _TERMS.get(table.for_adverse_event(ae.term).term)
            if track is None:
                continue
            course = ae.course()
            for here, after in zip(course, [*course[1:], None], strict=True):
                if here.grade == 0:
                    continue
                stop = after.time if after else (max(ends) if ends else here.time)
                segments.append(
                    Segment(
                        track=track,
                        start_day=_day(here.time, p.infusion),
                        end_day=_day(stop, p.infusion),
                        grade=here.grade,
                    )
                )
        end = max([_day(t, p.infusion) for t in ends] + [s.end_day for s in segments] + [start])
        group = f"DL{p.dose_level}" if p.dose_level is not None else "unassigned"
        lanes.append(
            Lane(
                patient=p.id,
                group=group,
                start_day=start,
                end_day=end,
                died=p.death is not None,
                segments=segments,
            )
        )
    return lanes
