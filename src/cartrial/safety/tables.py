"""Study safety tables: TEAE incidence, CRS/ICANS summary, DLTs per dose level, listings.

Conventions (ICH E3 section 12.2 safety tables, as CAR-T publications present
them, e.g. Hassan et al., Nat Med 2023 Table 2):

1. Safety population: patients who received any study treatment (a
   lymphodepleting dose or the infusion); percentages are of it, per column.
2. TEAE incidence by MedDRA SOC and CTCAE term: each patient counted once per
   term (and once per SOC) at the worst grade of their TEAEs, in the columns
   grade 1-2, 3, 4, 5 and any.
3. CRS and ICANS from the TEAE records of those terms: patients with the
   event, by worst grade, median (range) onset day and duration in days
   (resolution date minus onset date plus one; unresolved events left out of
   the duration); tocilizumab and corticosteroid use when CRS observation
   files are given (from :func:`cartrial.safety.astct.grade_crs`).
4. DLTs per dose level from :func:`cartrial.safety.dlt.assess_dlts`.
5. SAE and AESI listings of the TEAEs.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

from cartrial.protocol.model import Protocol
from cartrial.safety.astct import SyndromeResult
from cartrial.safety.dlt import assess_dlts
from cartrial.safety.events import AeFlags, PatientSafety, classify_adverse_events

__all__ = [
    "DltLevelRow",
    "GradeCounts",
    "IncidenceRow",
    "SafetyTables",
    "SyndromeSummary",
    "compute_safety_tables",
    "percent",
]

OVERALL = "overall"


class GradeCounts(BaseModel):
    g1_2: int = 0
    g3: int = 0
    g4: int = 0
    g5: int = 0
    any: int = 0

    def add(self, grade: int) -> None:
        self.any += 1
        if grade <= 2:
            self.g1_2 += 1
        elif grade == 3:
            self.g3 += 1
        elif grade == 4:
            self.g4 += 1
        else:
            self.g5 += 1


class IncidenceRow(BaseModel):
    soc: str
    term: str | None
    counts: dict[str, GradeCounts]


class SyndromeSummary(BaseModel):
    syndrome: str
    group: str
    population: int
    patients: int
    by_worst_grade: dict[int, int]
    grade3_or_more: int
    onset_day_median: float | None
    onset_day_range: tuple[int, int] | None
    duration_days_median: float | None
    duration_days_range: tuple[int, int] | None
    tocilizumab: int | None
    corticosteroids: int | None


class DltLevelRow(BaseModel):
    group: str
    treated: int
    evaluable: int
    with_dlt: int
    dlts: list[str]


class SafetyTables(BaseModel):
    protocol: str
    groups: list[str]
    population: dict[str, int]
    teae: list[IncidenceRow]
    crs: list[SyndromeSummary]
    icans: list[SyndromeSummary]
    dlt: list[DltLevelRow]
    sae: list[AeFlags]
    aesi: list[AeFlags]
    patients: list[PatientSafety]


def percent(n: int, of: int) -> str:
    """``n`` as a percentage of ``of``, one decimal, half up (``percent(1, 3)`` is '33.3')."""
    if of == 0:
        return "-"
    value = (Decimal(n) * 100 / Decimal(of)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(value)


def _group(p: PatientSafety) -> str:
    return f"DL{p.dose_level}" if p.dose_level is not None else "unassigned"


def _median_range(values: list[int]) -> tuple[float | None, tuple[int, int] | None]:
    if not values:
        return None, None
    return float(statistics.median(values)), (min(values), max(values))


def _syndrome(
    name: str,
    term: str,
    group: str,
    members: list[PatientSafety],
    flags: dict[str, list[AeFlags]],
    treatment: dict[str, SyndromeResult] | None,
) -> SyndromeSummary:
    worst: dict[str, int] = {}
    onsets: list[int] = []
    durations: list[int] = []
    for p in members:
        events = [f for f in flags[p.id] if f.teae and f.term == term]
        if not events:
            continue
        worst[p.id] = max(f.grade for f in events)
        records = {ae.id: ae for ae in p.adverse_events}
        for f in events:
            if f.onset_day is not None:
                onsets.append(f.onset_day)
            ae = records[f.ae_id]
            if ae.resolution is not None:
                durations.append((ae.resolution.date() - ae.onset.date()).days + 1)
    by_grade = {g: sum(1 for w in worst.values() if w == g) for g in range(1, 6)}
    onset_median, onset_range = _median_range(onsets)
    duration_median, duration_range = _median_range(durations)
    toci = steroids = None
    if treatment is not None:
        given = [treatment[p.id] for p in members if p.id in treatment]
        toci = sum(1 for r in given if r.tocilizumab)
        steroids = sum(1 for r in given if r.corticosteroids)
    return SyndromeSummary(
        syndrome=name,
        group=group,
        population=len(members),
        patients=len(worst),
        by_worst_grade=by_grade,
        grade3_or_more=sum(1 for w in worst.values() if w >= 3),
        onset_day_median=onset_median,
        onset_day_range=onset_range,
        duration_days_median=duration_median,
        duration_days_range=duration_range,
        tocilizumab=toci,
        corticosteroids=steroids,
    )


def compute_safety_tables(
    *,
    patients: Sequence[PatientSafety],
    protocol: Protocol,
    by_dose_level: bool = False,
    crs_treatment: dict[str, SyndromeResult] | None = None,
) -> SafetyTables:
    """Build every safety table (conventions in the module docstring)."""
    if protocol.windows is None:
        from cartrial.errors import InputError

        raise InputError("--protocol", protocol.id, "a protocol with a TEAE window ('windows:')")
    treated = [p for p in patients if p.first_lymphodepletion or p.infusion]
    treated_ids = {p.id for p in treated}
    min_rel = protocol.dlt.min_relatedness if protocol.dlt else "possible"
    flags = {
        p.id: classify_adverse_events(
            patient=p,
            window=protocol.windows.teae,
            aesi=list(protocol.aesi),
            min_relatedness=min_rel,
            field=f"patients[{i}]",
        )
        for i, p in enumerate(patients)
        if p.id in treated_ids
    }
    groups = [OVERALL]
    if by_dose_level:
        groups += sorted({_group(p) for p in treated})
    members = {g: [p for p in treated if g == OVERALL or _group(p) == g] for g in groups}
    # TEAE incidence: worst grade per patient per term and per SOC.
    cells: dict[tuple[str, str | None], dict[str, GradeCounts]] = {}
    for g in groups:
        for p in members[g]:
            worst: dict[tuple[str, str | None], int] = {}
            for f in flags[p.id]:
                if not f.teae:
                    continue
                keys: list[tuple[str, str | None]] = [
                    (f.soc, f.term),
                    (f.soc, None),
                    ("Any TEAE", None),
                ]
                for key in keys:
                    worst[key] = max(worst.get(key, 0), f.grade)
            for key, grade in worst.items():
                cells.setdefault(key, {x: GradeCounts() for x in groups})[g].add(grade)
    any_row = cells.pop(("Any TEAE", None), {x: GradeCounts() for x in groups})
    rows = [IncidenceRow(soc="Any TEAE", term=None, counts=any_row)]
    for soc in sorted({soc for soc, _ in cells}):
        rows.append(IncidenceRow(soc=soc, term=None, counts=cells[(soc, None)]))
        terms = sorted(
            (t for s, t in cells if s == soc and t is not None),
            key=lambda t: (-cells[(soc, t)][OVERALL].any, t),
        )
        rows += [IncidenceRow(soc=soc, term=t, counts=cells[(soc, t)]) for t in terms]
    crs = [
        _syndrome("CRS", "Cytokine release syndrome", g, members[g], flags, crs_treatment)
        for g in groups
    ]
    icans = [
        _syndrome(
            "ICANS", "Immune effector cell-associated neurotoxicity syndrome", g, members[g],
            flags, None,
        )
        for g in groups
    ]  # fmt: skip
    dlt_rows: list[DltLevelRow] = []
    if protocol.dlt is not None:
        results = {r.patient: r for r in assess_dlts(patients=treated, spec=protocol.dlt)}
        for g in groups:
            rs = [results[p.id] for p in members[g]]
            dlt_rows.append(
                DltLevelRow(
                    group=g,
                    treated=len(rs),
                    evaluable=sum(1 for r in rs if r.evaluable),
                    with_dlt=sum(1 for r in rs if r.dlt),
                    dlts=[f"{r.patient}: {t.rule_id} {t.term}" for r in rs for t in r.triggers],
                )
            )
    every = [f for p in treated for f in flags[p.id] if f.teae]
    return SafetyTables(
        protocol=protocol.id,
        groups=groups,
        population={g: len(members[g]) for g in groups},
        teae=rows,
        crs=crs,
        icans=icans,
        dlt=dlt_rows,
        sae=[f for f in every if f.sae],
        aesi=[f for f in every if f.aesi],
        patients=list(treated),
    )
