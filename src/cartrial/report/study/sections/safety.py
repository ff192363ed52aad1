"""Section 6, safety (ICH E3 section 12.2; CTCAE v5.0; ASTCT 2019, Lee et al., Biol Blood
Marrow Transplant 2019;25:625-638): TEAEs by system organ class and term at the worst
grade, treatment-related AEs, SAEs and AESIs, CRS and ICANS, CTCAE lab shifts, deaths.
The engine's safety tables (:func:`cartrial.safety.tables.compute_safety_tables`) give
the counts; this module lays them out."""

from __future__ import annotations

from cartrial.report.study.model import Block, Cell, Paragraph, Section, Table
from cartrial.report.study.sections.common import Context, count_pct
from cartrial.safety.events import AeFlags
from cartrial.safety.tables import GradeCounts, SafetyTables, SyndromeSummary

__all__ = ["safety_section"]

GRADE_RULE = (
    "each subject counted once per term (and per SOC) at the worst grade of their TEAEs; "
    "TEAE window as the protocol's 'windows.teae'; grades CTCAE v5.0, CRS/ICANS ASTCT 2019 "
    "derived from the stored observations"
)


def _counts(c: GradeCounts, n: int) -> Cell:
    high = c.g3 + c.g4 + c.g5
    return Cell(
        f"{count_pct(c.any, n)}; >=3: {high}",
        numeric=True,
        source=f"grade 1-2: {c.g1_2}, 3: {c.g3}, 4: {c.g4}, 5: {c.g5}",
    )


def _teae(ctx: Context, t: SafetyTables) -> Table:
    rows = [
        [Cell(r.soc if r.term is None else ""), Cell(r.term or "(any term)")]
        + [_counts(r.counts[g], t.population[g]) for g in t.groups]
        for r in t.teae
    ]
    names = ["Overall" if g == "overall" else g for g in t.groups]
    return Table(
        key="teae",
        title="Treatment-emergent adverse events by system organ class and term: subjects, "
        "n (%), and with grade >= 3",
        columns=[
            "System organ class",
            "Term",
            *(f"{g} (N={t.population[k]})" for g, k in zip(names, t.groups, strict=True)),
        ],
        rows=rows,
        footnote=ctx.note(
            f"{t.population['overall']} treated subjects (safety population)", GRADE_RULE
        ),
        empty="no TEAE",
    )


def _trae(ctx: Context, flags: list[AeFlags], n: int) -> Table:
    worst: dict[tuple[str, str], dict[str, int]] = {}
    for f in flags:
        if f.teae and f.trae:
            per = worst.setdefault((f.soc, f.term), {})
            per[f.patient] = max(per.get(f.patient, 0), f.grade)
    rows = []
    for (soc, term), per in sorted(worst.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        grades = list(per.values())
        rows.append(
            [Cell(soc), Cell(term)]
            + [
                Cell(str(sum(lo <= g <= hi for g in grades)), numeric=True)
                for lo, hi in ((1, 2), (3, 3), (4, 4), (5, 5))
            ]
            + [Cell(count_pct(len(grades), n), numeric=True, source=", ".join(sorted(per)))]
        )
    return Table(
        key="trae",
        title="Treatment-related adverse events (related to the CAR-T product) by term "
        "and worst grade",
        columns=[
            "System organ class",
            "Term",
            "Grade 1-2",
            "Grade 3",
            "Grade 4",
            "Grade 5",
            "Any, n (%)",
        ],
        rows=rows,
        footnote=ctx.note(
            f"TEAEs of {n} treated subjects",
            "TRAE: relatedness at or above the protocol's DLT relatedness threshold "
            "(safety.events.classify_adverse_events); worst grade per subject and term",
        ),
        empty="no treatment-related adverse event",
    )


def _ae_listing(ctx: Context, key: str, title: str, flags: list[AeFlags], extra: str) -> Table:
    return Table(
        key=key,
        title=title,
        columns=["Subject", "Term", "Grade", "Onset day", extra, "TEAE rule"],
        rows=[
            [
                ctx.subject(f.patient),
                Cell(f.term),
                Cell(str(f.grade), numeric=True),
                Cell(str(f.onset_day) if f.onset_day is not None else "-", numeric=True),
                Cell(", ".join(f.sae_criteria) if key == "sae" else (f.aesi or "-")),
                Cell(f.teae_reason),
            ]
            for f in flags
        ],
        footnote=ctx.note(f"{len(flags)} TEAE records", f"{extra} as the safety engine flags them"),
        listing=True,
        empty=f"no {key.upper()}",
    )


def _or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _syndrome(ctx: Context, key: str, name: str, rows: list[SyndromeSummary]) -> Table:
    def rng(x: tuple[int, int] | None) -> str:
        return f"{x[0]}-{x[1]}" if x else "-"

    return Table(
        key=key,
        title=f"{name}: incidence, worst grade, onset, duration and treatment (ASTCT 2019)",
        columns=[
            "Group",
            "N",
            "Any grade",
            "G1",
            "G2",
            "G3",
            "G4",
            "G5",
            ">= 3",
            "Onset day median (range)",
            "Duration days median (range)",
            "Tocilizumab",
            "Steroids",
        ],
        rows=[
            [
                Cell("Overall" if r.group == "overall" else r.group),
                Cell(str(r.population), numeric=True),
                Cell(count_pct(r.patients, r.population), numeric=True),
                *(Cell(str(r.by_worst_grade.get(g, 0)), numeric=True) for g in range(1, 6)),
                Cell(count_pct(r.grade3_or_more, r.population), numeric=True),
                Cell(f"{_or_dash(r.onset_day_median)} ({rng(r.onset_day_range)})"),
                Cell(f"{_or_dash(r.duration_days_median)} ({rng(r.duration_days_range)})"),
                Cell("-" if r.tocilizumab is None else str(r.tocilizumab), numeric=True),
                Cell("-" if r.corticosteroids is None else str(r.corticosteroids), numeric=True),
            ]
            for r in rows
        ],
        footnote=ctx.note(
            f"{name} TEAE records of the treated subjects",
            "worst ASTCT grade per subject; onset day from infusion (day 0); duration = "
            "resolution - onset + 1 day, unresolved left out; tocilizumab and corticosteroids "
            "from the stored CRS series (Lee et al. 2019)",
        ),
    )


def _shifts(ctx: Context) -> Table:
    rows = []
    for shift in ctx.data.lab_shifts:
        for base in sorted({b for b, _ in shift.cells}):
            cells = [Cell(shift.term), Cell(str(base), numeric=True)]
            for worst in range(5):
                who = shift.cells.get((base, worst), [])
                cells.append(Cell(str(len(who)), numeric=True, source=", ".join(who) or None))
            rows.append(cells)
    return Table(
        key="lab_shifts",
        title="CTCAE v5.0 laboratory shift table: baseline grade -> worst grade after infusion",
        columns=[
            "Test (CTCAE term)",
            "Baseline grade",
            "Worst 0",
            "Worst 1",
            "Worst 2",
            "Worst 3",
            "Worst 4",
        ],
        rows=rows,
        footnote=ctx.note(
            "stored lab_result rows of infused subjects with a derived grade",
            "baseline = the last graded result at or before the infusion; worst = the highest "
            "grade after it (ICH E3 section 12.4.2); grades as stored by the CTCAE engine",
        ),
        empty="no graded laboratory result",
    )


def _deaths(ctx: Context) -> Table:
    died = [r for r in ctx.data.records if r.death]
    return Table(
        key="deaths",
        title="Deaths",
        columns=["Subject", "Level", "Infused", "Date and cause"],
        rows=[
            [
                ctx.subject(r.code),
                Cell(f"DL{r.dose_level}" if r.dose_level else "-"),
                Cell("yes" if r.infused else "no"),
                Cell(r.death or ""),
            ]
            for r in died
        ],
        footnote=ctx.note(
            f"{len(died)} stored death records", "as recorded, with the stored cause"
        ),
        listing=True,
        empty="no death recorded",
    )


def safety_section(ctx: Context) -> Section:
    t = ctx.data.analysis.safety_tables
    if t is None:
        return Section(
            6,
            "Safety",
            [Paragraph(f"No safety tables: {ctx.data.analysis.safety_note}."), _deaths(ctx)],
        )
    n = t.population["overall"]
    blocks: list[Block] = [
        _teae(ctx, t),
        _trae(ctx, ctx.data.ae_flags, n),
        _syndrome(ctx, "crs", "Cytokine release syndrome", t.crs),
        _syndrome(ctx, "icans", "ICANS", t.icans),
        _shifts(ctx),
        _ae_listing(
            ctx, "sae", "Serious adverse events (treatment-emergent)", t.sae, "SAE criteria"
        ),
        _ae_listing(
            ctx, "aesi", "Adverse events of special interest (treatment-emergent)", t.aesi, "AESI"
        ),
        _deaths(ctx),
    ]
    return Section(6, "Safety", blocks)
