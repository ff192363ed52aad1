"""A protocol YAML skeleton from a registry record: what the record states, and nothing more.

Every value the record states carries its source (the record's JSON path); every value a
protocol needs that the record does not state is either left out (the protocol model allows
it) or filled with a placeholder marked ``assumed`` with the reason, and listed in
``open_items``. Eligibility criteria keep their text; each is matched against the rule kinds
where the text is clear (:mod:`cartrial.interop.ctgov.recognise`) and otherwise becomes a
``review`` rule (needs investigator review), with what was read recorded in
``interpretation``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from cartrial.interop.ctgov.eligibility_text import CriterionText, split_eligibility
from cartrial.interop.ctgov.recognise import recognise_criterion
from cartrial.interop.ctgov.record import RegistryRecord

__all__ = ["protocol_skeleton"]

_PHASES = {"EARLY_PHASE1": "1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3"}
_ARM_TYPES = {"EXPERIMENTAL": "experimental", "ACTIVE_COMPARATOR": "active_comparator"}
_DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*[×x]\s*10\^?(\d+)\s*/\s*kg", re.IGNORECASE)


def _slug(text: str, taken: set[str]) -> str:
    abbreviation = re.search(r"\(([A-Za-z0-9-]{2,10})\)", text)
    base = (
        abbreviation.group(1)
        if abbreviation
        else "-".join(re.findall(r"[a-z0-9]+", text.lower())[:4])
    )
    slug = base.lower().strip("-") or "outcome"
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _criteria(
    items: list[CriterionText], section: Literal["inclusion", "exclusion"], prefix: str
) -> tuple[list[dict[str, Any]], int]:
    out = []
    needing_review = 0
    for item in items:
        rule, recognised, review = recognise_criterion(item.full_text, section)
        notes = [f"{r.kind}: {r.clause!r}" + (f" ({r.note})" if r.note else "") for r in recognised]
        if review:
            needing_review += 1
            notes.append(f"needs investigator review: {len(review)} clause(s) not read by a rule")
        out.append(
            {
                "id": f"{prefix}{item.number:02d}",
                "text": item.full_text,
                "source": f"registry {section.title()} {item.number}",
                "rule": rule,
                "interpretation": "Read from the registry text by cartrial protocol import-ctgov: "
                + "; ".join(notes),
            }
        )
    return out, needing_review


def protocol_skeleton(record: RegistryRecord, *, protocol_id: str | None = None) -> dict[str, Any]:
    """The protocol document (a dict ready for YAML) and nothing the record does not state."""
    pid = protocol_id or record.nct_id.lower()
    src = Path(record.source).name
    p = "protocolSection"
    open_items: list[str] = []
    phases = sorted({_PHASES[ph] for ph in record.phases if ph in _PHASES})
    if not phases:
        phases = ["1"]
        open_items.append(
            f"Phase not stated as PHASE1/2/3 ({list(record.phases)}): phase 1 assumed."
        )
    doc: dict[str, Any] = {
        "id": pid,
        "version": f"{record.last_update or 'undated'} (ClinicalTrials.gov record {record.nct_id})",
        "title": record.brief_title,
    }
    if record.official_title:
        doc["official_title"] = record.official_title
    doc["phase"] = phases
    identifiers = [{"system": "ClinicalTrials.gov", "value": record.nct_id}]
    if record.org_study_id:
        identifiers.append({"system": "Other Study ID", "value": record.org_study_id})
    identifiers += [{"system": "Secondary ID", "value": s} for s in record.secondary_ids]
    doc["identifiers"] = identifiers
    if record.sponsor:
        doc["sponsor"] = record.sponsor
    if record.sites:
        doc["sites"] = [{"name": s} for s in record.sites]
    if record.enrollment is not None:
        doc["planned_enrolment"] = record.enrollment
    age = record.minimum_age or "no minimum age"
    doc["population"] = (
        f"{'; '.join(record.conditions) or 'Condition not stated'} (ages: {age}"
        f"{' to ' + record.maximum_age if record.maximum_age else ''}; "
        f"sex: {record.sex or 'not stated'})."
    )
    doc["sources"] = [
        {
            "id": "registry",
            "file": src,
            "description": f"ClinicalTrials.gov record {record.nct_id} (API v2 JSON)",
        }
    ]
    open_items.append(
        "Tumour types are not a structured field of the record: list them in tumour_types."
    )
    doc["arms"] = [
        {
            "id": f"arm{i}" if len(record.arms) > 1 else pid,
            "label": arm.label,
            "type": _ARM_TYPES.get(arm.type, "other"),
            "description": arm.description or arm.label,
            "source": f"{p}.armsInterventionsModule.armGroups[{i - 1}]",
        }
        for i, arm in enumerate(record.arms, start=1)
    ]
    doses = []
    for i, arm in enumerate(record.arms):
        for m in _DOSE.finditer(arm.description):
            doses.append(
                (
                    float(m.group(1)) * 10 ** int(m.group(2)),
                    f"{p}.armsInterventionsModule.armGroups[{i}].description",
                )
            )
    if doses:
        values = sorted(d for d, _ in doses)
        doc["cell_dose"] = {
            "min_cells_per_kg": int(values[0]),
            "max_cells_per_kg": int(values[-1]),
            "source": doses[0][1] + ": " + ", ".join(f"{v:g} cells/kg" for v in values),
        }
    else:
        doc["cell_dose"] = {"assumed": True, "reason": "The record states no cell dose per kg."}
        open_items.append("Cell dose range not stated: cell_dose is empty.")
    open_items += [
        "Dose levels, the escalation design's rules, lymphodepletion doses and days, the "
        "infusion timing, visits, sampling days, DLT definitions and AESIs are not structured "
        "fields of the record: add them (docs/protocols.md).",
    ]
    if record.design_description:
        open_items.append(f"The record's design description: {record.design_description!r}.")
    split = split_eligibility(record.eligibility_text)
    inclusion, inc_review = _criteria(split.inclusion, "inclusion", "inc")
    exclusion, exc_review = _criteria(split.exclusion, "exclusion", "exc")
    if not inclusion and not exclusion:
        open_items.append(
            "No 'Inclusion Criteria:' / 'Exclusion Criteria:' headings in the eligibility text."
        )
    if split.preamble:
        open_items.append("Eligibility text before the first heading: " + " ".join(split.preamble))
    if inc_review or exc_review:
        open_items.append(
            f"{inc_review} inclusion and {exc_review} exclusion criteria need investigator review "
            "for some clauses (rule kind 'review'): replace them with rules where possible."
        )
    doc["open_items"] = open_items
    doc["eligibility"] = {"complete": True, "inclusion": inclusion, "exclusion": exclusion}
    taken: set[str] = set()
    doc["endpoints"] = [
        {
            "id": _slug(o.measure, taken),
            "type": o.type if o.type in ("primary", "secondary") else "exploratory",
            "name": o.measure,
            "description": o.description or o.measure,
            "time_frame": o.time_frame or "not stated",
            "source": o.path,
        }
        for o in record.outcomes
    ]
    return doc
