"""Section 5, dose escalation: the signed cohort decisions (each with its rule, data and
e-signature, 21 CFR 11.50), DLTs per level from the signed adjudications, MTD and RP2D
with the rule that chose them (:mod:`cartrial.services.trial_summary`)."""

from __future__ import annotations

from cartrial.report.study.model import Block, Cell, Paragraph, Section, Table
from cartrial.report.study.sections.common import Context, count_pct

__all__ = ["escalation_section"]


def escalation_section(ctx: Context) -> Section:
    s = ctx.data.analysis.summary
    decisions = Table(
        key="decisions",
        title="Cohort history: the escalation decisions as signed",
        columns=[
            "Decided (UTC)",
            "Level",
            "Action",
            "Next",
            "Reason (rule and data)",
            "Engine",
            "Signature",
        ],
        rows=[
            [
                Cell(d.decided_at.strftime("%Y-%m-%d %H:%M")),
                Cell(f"DL{d.current_level}"),
                Cell(d.action),
                Cell(f"DL{d.next_level}" if d.next_level else "-"),
                Cell(d.reason),
                Cell(d.engine_version),
                Cell(
                    f"{d.signed_by or '-'} ({d.signer_role or '-'}), "
                    f"{'valid' if d.signature_valid else 'NOT valid'}",
                    source=d.signature,
                ),
            ]
            for d in s.decisions
        ],
        footnote=ctx.note(
            f"{len(s.decisions)} stored escalation_decision rows of protocol {s.protocol_id}",
            "in decision order; signature = the latest e-signature with meaning 'escalation' and "
            "its validity against the record's content hash (21 CFR 11.70)",
        ),
        empty="no escalation decision recorded",
    )
    dlt_rows = []
    for level, row in sorted(s.dlts_by_level.items()):
        dlt_rows.append(
            [
                Cell(f"DL{level}"),
                Cell(str(row.evaluable), numeric=True),
                Cell(count_pct(row.dlts, row.evaluable), numeric=True),
                Cell(", ".join(row.subjects_with_dlt) or "-"),
            ]
        )
    triggers = {}
    if ctx.data.analysis.safety_tables is not None:
        triggers = {r.group: "; ".join(r.dlts) for r in ctx.data.analysis.safety_tables.dlt}
    for row_cells, level in zip(dlt_rows, sorted(s.dlts_by_level), strict=True):
        row_cells.append(Cell(triggers.get(f"DL{level}", "") or "-"))
    dlts = Table(
        key="dlts",
        title="Dose-limiting toxicities per dose level (signed adjudications)",
        columns=[
            "Level",
            "DLT-evaluable",
            "With DLT, n (%)",
            "Subjects with DLT",
            "DLT rule met (engine)",
        ],
        rows=dlt_rows,
        footnote=ctx.note(
            f"{s.dlt_evaluable.n} DLT-evaluable subjects",
            s.dlt_rule + "; the last column is "
            "the protocol's DLT definitions applied by safety.dlt.assess_dlts",
        ),
        empty="no DLT-evaluable subject",
    )
    answers = Table(
        key="mtd_rp2d",
        title="Maximum tolerated dose and recommended phase 2 dose",
        columns=["Dose", "Level", "Declared", "Rule"],
        rows=[
            [
                Cell(name),
                Cell(f"DL{a.level}" if a.level else "-"),
                Cell("yes" if a.declared else "no"),
                Cell(a.rule),
            ]
            for name, a in (("MTD", s.mtd), ("RP2D", s.rp2d))
        ],
        footnote=ctx.note("the signed decisions and the stored DLT data", "as in the Rule column"),
    )
    blocks: list[Block] = [decisions, dlts, answers]
    if not any(row.dlts for row in s.dlts_by_level.values()):
        blocks.insert(1, Paragraph("No dose-limiting toxicity was observed at any level."))
    return Section(5, "Dose escalation", blocks)
