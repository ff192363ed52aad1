"""Criterion text matched to the protocol's rule kinds, where the text is clear.

Each clause of a criterion (split at ';' and at sentence ends) is tried against a small set of
patterns: age range, ECOG performance status, life expectancy, RECIST-measurable disease,
laboratory thresholds with their units or as a multiple of the ULN, creatinine clearance,
LVEF and SpO2, washouts ("within 4 weeks prior to ..."), prior CAR-T therapy and pregnancy.
A clause no pattern reads becomes a ``review`` rule carrying its text, so a criterion is never
"met" by default: an inclusion is all of its clauses, an exclusion any of them. Hand-written:
these are the wordings of oncology eligibility sections (NCI/ASCO/FDA modernised criteria use
the same quantities), which no general library parses into our rule kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

__all__ = ["Recognition", "recognise_criterion", "split_clauses"]

Rule = dict[str, Any]

_OPS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", ">": ">", "<": "<", "=": "=="}
_OP = r"(≥|>=|≤|<=|>|<)"
_NUM = r"(\d+(?:\.\d+)?)"

# (test, pattern for the analyte's name) - the names as eligibility sections write them.
_LAB_NAMES: tuple[tuple[str, str], ...] = (
    ("anc", r"absolute neutrophil count|\bANC\b|neutrophils?"),
    ("alc", r"absolute lymphocyte count|\bALC\b|lymphocytes?"),
    ("wbc", r"white blood cells?|\bWBC\b|leukocytes?"),
    ("platelets", r"platelets?(?: count)?|\bPLT\b"),
    ("hemoglobin", r"ha?emoglobin|\bHGB\b|\bHb\b"),
    ("direct_bilirubin", r"direct bilirubin|\bDBIL\b"),
    ("total_bilirubin", r"(?:total |serum )?bilirubin|\bTBIL\b"),
    ("ast", r"aspartate aminotransferase|\bAST\b"),
    ("alt", r"alanine aminotransferase|\bALT\b"),
    ("creatinine", r"(?:serum )?creatinine(?! clearance)|\bCr\b"),
    ("inr", r"international normali[sz]ed ratio|\bINR\b"),
    ("aptt", r"activated partial thromboplastin time|\bAPTT\b"),
)

# Units as eligibility texts write them -> the unit table's spelling (cartrial.units).
_UNITS = {
    "×10^9/l": "x10^9/L", "x10^9/l": "x10^9/L", "×109/l": "x10^9/L", "x109/l": "x10^9/L",
    "g/l": "g/L", "g/dl": "g/dL", "mg/dl": "mg/dL", "μmol/l": "umol/L", "umol/l": "umol/L",
    "/mm3": "/mm3", "/μl": "/uL", "/ul": "/uL",
}  # fmt: skip

_UNIT = (
    r"([×x]\s*10\^?9\s*/\s*L|[×x]\s*109\s*/\s*L"  # 10^9/L, and "109/L" as pasted text writes it
    r"|g/dL|g/L|mg/dL|[μu]mol/L|/mm3|/[μu]L)"
)
_ULN = r"([×x]|times)\s*(?:the\s*)?(?:upper limit of normal|ULN)(?:\s*\(ULN\))?"


@dataclass(frozen=True)
class Recognition:
    """What one clause was read as: a rule and the words that produced it, or review."""

    clause: str
    kind: str
    rule: Rule
    note: str = ""


def split_clauses(text: str) -> list[str]:
    """Clauses at ';', at sentence ends and at line breaks; a heading clause ending in ':'
    ("Adequate function defined as:") is not a condition and is left out."""
    parts = re.split(r";|\n|(?<=[a-z0-9)%])\.\s+(?=[A-Z])", text)
    return [
        p.strip(" .:-\t") for p in parts if p and p.strip(" .:-\t") and not p.rstrip().endswith(":")
    ]


_CONDITIONAL = re.compile(
    r"\bexcept|\bunless\b|\ballowed\b|\bexception|(?:of|in|for) patients with|patients who",
    re.IGNORECASE,
)
"""Words that make a clause conditional: its threshold applies to some patients only, or it
carries an exception, so no simple rule reads it (needs investigator review)."""


def _unit(raw: str) -> str:
    key = re.sub(r"\s+", "", raw).lower()
    return _UNITS.get(key, raw)


def _labs(clause: str) -> list[Recognition]:
    found: list[Recognition] = []
    for test, name in _LAB_NAMES:
        for m in re.finditer(
            rf"(?:{name})[^;≥≤<>]{{0,60}}?{_OP}\s*{_NUM}\s*(?:{_UNIT}|{_ULN})",
            clause,
            re.IGNORECASE,
        ):
            op, value, unit, uln = m.group(1), m.group(2), m.group(3), m.group(4)
            rule: Rule = {"kind": "lab", "test": test, "op": _OPS[op]}
            if uln:
                rule["times_uln"] = float(Decimal(value))
            else:
                rule["value"] = float(Decimal(value))
                rule["unit"] = _unit(unit)
            note = ""
            if unit and re.search(r"109\s*/", unit):
                note = "'109/L' read as 10^9/L"
            found.append(Recognition(m.group(0), "lab", rule, note))
            break
    return found


def _single(clause: str, section: Literal["inclusion", "exclusion"]) -> list[Recognition]:
    c = clause
    low = c.lower()
    m = re.search(r"(?:aged?\s*)?(\d{1,2})\s*(?:-|–|~|to)\s*(\d{2,3})\s*years", low)
    if m and ("age" in low or "years" in low):
        return [
            Recognition(
                c,
                "age",
                {"kind": "age", "min_years": int(m.group(1)), "max_years": int(m.group(2))},
            )
        ]
    m = re.search(r"(?:≥|>=|at least|aged?\s*)\s*(\d{1,2})\s*years?(?: old| of age)?", low)
    if m and ("age" in low or "old" in low):
        return [Recognition(c, "age", {"kind": "age", "min_years": int(m.group(1))})]
    if "ecog" in low or "performance status" in low:
        m = re.search(r"(?:of\s*)?(\d)\s*(?:or|-|–|to)\s*(\d)", low)
        if m:
            return [
                Recognition(
                    c,
                    "ecog",
                    {"kind": "field", "field": "ecog", "op": "<=", "value": int(m.group(2))},
                )
            ]
        m = re.search(r"(≤|<=|<)\s*(\d)", low)
        if m:
            limit = int(m.group(2)) - (1 if m.group(1) == "<" else 0)
            return [
                Recognition(
                    c, "ecog", {"kind": "field", "field": "ecog", "op": "<=", "value": limit}
                )
            ]
    m = re.search(
        r"life expectancy[^\d]{0,20}?(≥|>=|>|at least|more than)?\s*(\d+)\s*(months?|weeks?)", low
    )
    if m:
        months = (
            int(m.group(2)) if m.group(3).startswith("month") else round(int(m.group(2)) / 4.345, 1)
        )
        op = ">" if m.group(1) in (">", "more than") else ">="
        return [
            Recognition(
                c,
                "life_expectancy",
                {"kind": "field", "field": "life_expectancy_months", "op": op, "value": months},
            )
        ]
    if "measurable" in low and "recist" in low:
        return [
            Recognition(
                c,
                "measurable_disease",
                {
                    "kind": "field",
                    "field": "diagnosis.measurable_disease_recist11",
                    "op": "==",
                    "value": True,
                },
            )
        ]
    m = re.search(
        rf"(?:LVEF|left ventricular ejection fraction)[^;≥≤<>]{{0,40}}?{_OP}\s*{_NUM}\s*%",
        c,
        re.IGNORECASE,
    )
    if m:
        return [
            Recognition(
                c,
                "lvef",
                {
                    "kind": "field",
                    "field": "cardiac.lvef_percent",
                    "op": _OPS[m.group(1)],
                    "value": float(m.group(2)),
                },
            )
        ]
    m = re.search(
        rf"(?:SpO2|SpO₂|oxygen saturation)[^;≥≤<>]{{0,40}}?{_OP}\s*{_NUM}\s*%", c, re.IGNORECASE
    )
    if m:
        return [
            Recognition(
                c,
                "spo2",
                {
                    "kind": "field",
                    "field": "vitals.spo2_room_air_percent",
                    "op": _OPS[m.group(1)],
                    "value": float(m.group(2)),
                },
            )
        ]
    m = re.search(
        rf"(?:creatinine clearance|\bCcr\b|\bCrCl\b)[^;≥≤<>]{{0,40}}?{_OP}\s*{_NUM}\s*mL/min",
        c,
        re.IGNORECASE,
    )
    if m:
        return [
            Recognition(
                c,
                "creatinine_clearance",
                {
                    "kind": "creatinine_clearance",
                    "op": _OPS[m.group(1)],
                    "ml_per_min": float(m.group(2)),
                },
            )
        ]
    if re.search(r"anti-?(?:mesothelin|msln) car-?t", low) and "received" in low:
        return [
            Recognition(
                c, "prior_therapy", {"kind": "prior_therapy", "classes": ["anti_msln_car_t"]}
            )
        ]
    if (
        re.search(r"car-?t", low)
        and re.search(r"prior|received|treatment with", low)
        and "genetically modified" in low
    ):
        return [
            Recognition(
                c,
                "prior_therapy",
                {"kind": "prior_therapy", "classes": ["car_t", "gene_modified_t_cell"]},
            )
        ]
    if section == "exclusion" and re.fullmatch(
        r"(?:pregnant|pregnancy) or (?:lactating|breast-?feeding)(?: women)?", low.strip()
    ):
        return [Recognition(c, "pregnancy", {"kind": "all_of", "rules": [
            {"kind": "field", "field": "sex", "op": "==", "value": "female"},
            {"kind": "any_of", "rules": [
                {"kind": "field", "field": "reproductive.pregnant", "op": "==", "value": True},
                {"kind": "field", "field": "reproductive.breastfeeding", "op": "==", "value": True},
            ]},
        ]})]  # fmt: skip
    washout = _washout(c)
    if washout:
        if section == "exclusion":
            return [washout]
        if re.match(r"\s*(no|not|has not|have not|must not|without)\b", low):
            negated = {"kind": "not", "rule": washout.rule}
            return [Recognition(c, "washout", negated, "inclusion worded as an absence")]
    labs = _labs(c)
    if labs:
        return labs
    return []


_WASHOUT_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"cytotoxic|chemotherap", ("cytotoxic_chemotherapy",)),
    (
        r"antibody-based",
        (
            "monoclonal_antibody",
            "antibody_drug_conjugate",
            "bispecific_antibody",
            "immune_checkpoint_inhibitor",
        ),
    ),
    (
        r"monoclonal antibod",
        ("monoclonal_antibody", "antibody_drug_conjugate", "bispecific_antibody"),
    ),
    (r"immunotherap", ("immune_checkpoint_inhibitor", "immunotherapy_other")),
    (r"biologic agent", ("biologic_targeted",)),
    (r"glucocorticoid|corticosteroid|steroid", ("systemic_glucocorticoid",)),
    (r"immune-?suppressive|immunosuppress", ("immunosuppressant",)),
    (r"targeted small-?molecule|small-?molecule inhibitor", ("small_molecule_targeted",)),
    (r"chinese herbal|chinese patent medicine", ("chinese_herbal_antitumour",)),
    (r"radiotherap", ("radiotherapy",)),
)


def _washout(clause: str) -> Recognition | None:
    low = clause.lower()
    m = re.search(
        r"within\s+(\d+)\s*(weeks?|days?|months?)\s*(?:or [^()]*?)?\s*(?:\(.*?\)\s*)?"
        r"(?:prior to|before)\s+(signing (?:the )?informed consent|informed consent|enrol?lment"
        r"|cell therapy|(?:car-?t )?infusion|apheresis)",
        low,
    )
    if not m:
        return None
    classes: list[str] = []
    before = low[: m.start()]  # the therapy is named before "within ..."
    for pattern, names in _WASHOUT_CLASSES:
        if re.search(pattern, before):
            classes.extend(n for n in names if n not in classes)
    if not classes:
        return None
    unit = m.group(2).rstrip("s") + "s"
    reference = (
        "consent"
        if "consent" in m.group(3)
        else ("enrolment" if "enrol" in m.group(3) else "infusion")
    )
    rule: Rule = {
        "kind": "washout",
        "classes": classes,
        "period": {unit: int(m.group(1))},
        "reference": reference,
    }
    hl = re.search(r"(\d+|five|three) half-lives", low)
    if hl:
        rule["half_lives"] = (
            5
            if hl.group(1) in ("5", "five")
            else (3 if hl.group(1) in ("3", "three") else int(hl.group(1)))
        )
        rule["combine"] = "shorter" if "shorter" in low else "longer"
    return Recognition(clause, "washout", rule)


def _rule_tests(rule: Rule) -> set[str]:
    """The laboratory tests a rule (or a rule it combines) compares."""
    if rule.get("kind") == "lab":
        return {rule["test"]}
    return (
        set().union(*(_rule_tests(r) for r in rule.get("rules", []))) if "rules" in rule else set()
    )


def _tests_named(clause: str) -> set[str]:
    return {test for test, name in _LAB_NAMES if re.search(name, clause, re.IGNORECASE)}


def recognise_criterion(
    text: str, section: Literal["inclusion", "exclusion"]
) -> tuple[Rule, list[Recognition], list[str]]:
    """The criterion's rule, what each clause was read as, and the clauses left for review.

    An inclusion is met when all its clauses are (``all_of``); an exclusion applies when any
    clause does (``any_of``, the excluding condition as worded). A clause no pattern reads is
    a ``review`` rule with its text, never dropped. A conditional clause (a threshold for some
    patients, an exception) that names laboratory tests read elsewhere in the criterion becomes
    their alternative: an inclusion's ``lab`` rule is met by its own threshold or else needs
    review (``any_of(lab, review)``), an exclusion's applies only when the exception is ruled
    out (``all_of(lab, review)``), so a reading is never stricter than the text. A conditional
    clause that names no such test makes the whole criterion one ``review`` rule.
    """
    recognised: list[Recognition] = []
    review: list[str] = []
    rules: list[Rule] = []
    line_of: list[int] = []  # the text line each rule was read from
    conditional: list[tuple[int, str]] = []
    for line_number, line in enumerate(text.splitlines()):
        for clause in split_clauses(line):
            if _CONDITIONAL.search(clause):
                conditional.append((line_number, clause))
                continue
            found = _single(clause, section)
            new = [r.rule for r in found] or [{"kind": "review", "question": clause}]
            if found:
                recognised.extend(found)
            else:
                review.append(clause)
            if re.match(r"or\b", clause, re.IGNORECASE) and rules:
                # "...; or creatinine clearance >= 60 mL/min": an alternative to the clause before
                rules[-1] = {"kind": "any_of", "rules": [rules[-1], *new]}
            else:
                rules.extend(new)
                line_of.extend([line_number] * len(new))
    alternative = "any_of" if section == "inclusion" else "all_of"
    for line_number, clause in conditional:
        review.append(clause)
        question: Rule = {"kind": "review", "question": clause}
        exception = re.search(r"\bexcept|\bunless\b", clause, re.IGNORECASE) is not None
        named = _tests_named(clause)

        # an exception covers every laboratory rule read from its line; a threshold for some
        # patients covers the tests it names
        general = [
            i
            for i, r in enumerate(rules)
            if _rule_tests(r)
            and ((exception and line_of[i] == line_number) or bool(_rule_tests(r) & named))
        ]
        for i in general:
            rules[i] = {"kind": alternative, "rules": [rules[i], question]}
        covered = set().union(*(_rule_tests(rules[i]) for i in general)) if general else set()
        own = [r for r in _labs(clause) if r.rule["test"] not in covered]
        for r in own:
            recognised.append(r)
            rules.append({"kind": alternative, "rules": [r.rule, question]})
            line_of.append(line_number)
        if not general and not own:
            return {"kind": "review", "question": text}, recognised, [text]
    if len(rules) == 1:
        return rules[0], recognised, review
    combine = "all_of" if section == "inclusion" else "any_of"
    return {"kind": combine, "rules": rules}, recognised, review
