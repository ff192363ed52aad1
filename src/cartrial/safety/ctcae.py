"""CTCAE v5.0 terms as data, and the one function that grades laboratory values.

Source: National Cancer Institute, Common Terminology Criteria for Adverse
Events (CTCAE) version 5.0, 27 November 2017. :func:`load_ctcae` builds the table
once from NCI's list of all 837 terms (``data/ctcae_v5_nci.csv``, read by
:mod:`cartrial.safety.ctcae_nci`: MedDRA code, system organ class, grade texts)
and cartrial's additions (``data/ctcae_v5.yaml``: aliases, DLT/AESI flags, and for
laboratory terms structured thresholds with the CTCAE text of each row). Every
CTCAE term is accepted; a term with laboratory thresholds is graded from the value
(:func:`grade_lab`), any other takes the investigator's grade. Assumptions are
listed in ``docs/safety.md``.

Grading a laboratory value (:func:`grade_lab`):

1. Find the term by its CTCAE name or an alias (case-insensitive); an unknown
   term is an error (an AE record, unlike a lab value, may carry any term:
   :meth:`CtcaeTable.for_adverse_event`).
2. Decide the baseline state: for an "increased" term the baseline is abnormal
   when above ULN, for a "decreased" term when below LLN. A missing baseline is
   read as normal (the reason says so).
3. Keep the thresholds whose condition holds (``baseline_normal``,
   ``baseline_abnormal``, ``anticoagulated``, ``not_anticoagulated``, ``always``).
   The value's unit (and ``reference_unit``) must be one of the analyte's units
   in :mod:`cartrial.units`, whether or not a threshold converts it.
4. Compare exactly (Decimal). A threshold whose ULN or LLN is not given is
   skipped; the grade stands only if it is at least the grade of every skipped
   threshold (ANC 0.3 x10^9/L is grade 4 without an LLN, 1.7 needs it).
   Relative thresholds multiply ULN, LLN or baseline
   (expressed in the value's unit, converted when given in another one); absolute
   thresholds compare in the threshold's unit, or directly in a unit CTCAE also
   prints (e.g. haemoglobin 6.2 mmol/L) instead of converting. Units are read
   case-sensitively (:mod:`cartrial.units`: ``G/L`` is a count, ``g/L`` a mass).
5. The grade is the highest grade with a threshold met, capped where CTCAE
   reserves higher grades for clinical criteria (anaemia: 3).

>>> from decimal import Decimal
>>> grade_lab(term="Neutrophil count decreased", value=Decimal("1.5"), unit="x10^9/L",
...           lln=Decimal("2.0")).reason
'Neutrophil count decreased grade 1: 1.5 x10^9/L < LLN 2 x10^9/L (CTCAE v5.0: <LLN)'
"""

from __future__ import annotations

import functools
from decimal import Decimal
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cartrial.errors import InputError, UnknownUnitError
from cartrial.safety.ctcae_nci import NCI_SOURCE, NciTerm, load_nci_terms
from cartrial.safety.inputs import InputModel, Timestamp
from cartrial.units import ANALYTES, check_unit, convert, format_decimal, normalise_unit

__all__ = [
    "UNLISTED_NOTE",
    "UNLISTED_SOC",
    "CtcaeTable",
    "CtcaeTerm",
    "GradedLab",
    "LabFile",
    "LabGrade",
    "LabGrading",
    "LabRecord",
    "Threshold",
    "grade_lab",
    "grade_lab_record",
    "grade_lab_records",
    "load_ctcae",
]

Comparator = Literal["<", "<=", ">", ">="]
Condition = Literal[
    "always", "baseline_normal", "baseline_abnormal", "anticoagulated", "not_anticoagulated"
]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Row):
    """One CTCAE row: ``value comparator threshold x reference`` gives ``grade``."""

    grade: int = Field(ge=1, le=4)
    comparator: Comparator
    value: Decimal = Field(gt=0)
    relative_to: Literal["absolute", "ULN", "LLN", "baseline"] = "absolute"
    unit: str | None = None
    alt_values: dict[str, Decimal] = Field(default_factory=dict)
    when: Condition = "always"
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _unit_iff_absolute(self) -> Threshold:
        if (self.relative_to == "absolute") != (self.unit is not None):
            raise ValueError("an absolute threshold needs a unit; a relative one has none")
        return self

    def met(self, measured: Decimal, limit: Decimal) -> bool:
        return {
            "<": measured < limit,
            "<=": measured <= limit,
            ">": measured > limit,
            ">=": measured >= limit,
        }[self.comparator]


class LabGrading(_Row):
    analyte: str
    direction: Literal["increased", "decreased"]
    thresholds: list[Threshold] = Field(min_length=1)
    max_lab_grade: int = Field(default=4, ge=1, le=4)
    note: str | None = None

    @model_validator(mode="after")
    def _known_analyte(self) -> LabGrading:
        if self.analyte not in ANALYTES:
            raise ValueError(f"unknown analyte {self.analyte!r} (add it to cartrial.units)")
        for t in self.thresholds:
            for unit in [t.unit, *t.alt_values] if t.unit else []:
                ANALYTES[self.analyte].factor_for(unit, field=f"{self.analyte} threshold unit")
        return self


UNLISTED_NOTE = "term not in CTCAE v5.0: investigator grade used"
UNLISTED_SOC = "SOC not given (term not in CTCAE v5.0)"


class CtcaeTerm(_Row):
    """One CTCAE v5.0 term: name, MedDRA code and SOC, grade texts, lab rows.

    ``in_ctcae`` is false for a term of cartrial's own (ICANS, HLH, pleuritis,
    peritonitis: its ``note`` says so). ``listed`` is false for a term that is in
    neither list, made by :meth:`CtcaeTable.for_adverse_event`: its grade is the
    investigator's. ``provenance`` "NCI" marks a term taken from NCI's list alone.
    """

    term: str
    aliases: list[str] = Field(default_factory=list)
    meddra_code: int | None = Field(default=None, ge=10_000_000, le=10_099_999)
    soc: str
    provenance: Literal["V", "K", "NCI", "investigator"]
    listed: bool = True
    in_ctcae: bool = True
    grades: dict[int, str]
    grades_source: str = NCI_SOURCE
    definition: str | None = None
    haematological: bool = False
    infection: bool = False
    serositis: bool = False
    note: str | None = None
    lab: LabGrading | None = None

    def check_reported_grade(self, grade: int, *, field: str = "reported_grade") -> None:
        """Refuse a grade this term does not define (CTCAE v5.0, NCI 2017: each term lists
        its grades; a blank cell means "not applicable", e.g. Acute kidney injury has only
        grades 3-5). An unlisted term (investigator's grade) accepts 1-5."""
        if self.listed and grade not in self.grades:
            raise InputError(
                field,
                grade,
                f"a grade CTCAE v5.0 defines for '{self.term}': "
                + ", ".join(str(g) for g in sorted(self.grades)),
            )

    @model_validator(mode="after")
    def _grades_1_to_5(self) -> CtcaeTerm:
        if not self.grades or not set(self.grades) <= {1, 2, 3, 4, 5}:
            raise ValueError(f"{self.term}: grades must be among 1-5")
        return self


class CtcaeTable(_Row):
    version: str
    terms: list[CtcaeTerm]

    @functools.cached_property
    def _index(self) -> dict[str, CtcaeTerm]:
        return {n.casefold(): t for t in self.terms for n in [t.term, *t.aliases]}

    def find(self, name: str, *, field: str = "term") -> CtcaeTerm:
        """The term called ``name`` (CTCAE name or alias, any case); unknown names are errors."""
        term = self._index.get(name.strip().casefold())
        if term is None:
            raise InputError(
                field,
                name,
                "a CTCAE v5.0 term (NCI's list of 837) or one of cartrial's own "
                "(docs/safety.md), e.g. 'Neutrophil count decreased'",
            )
        return term

    def for_adverse_event(self, name: str, *, soc: str | None = None) -> CtcaeTerm:
        """The term called ``name``, or an unlisted term taking the investigator's grade.

        The table carries all 837 CTCAE v5.0 terms and cartrial's own. An AE under
        a name that is in neither (a verbatim term not yet coded) is accepted as
        reported: its grade is the investigator's, it is non-haematological (so
        the "other grade >= 3 non-haematological AE" DLT rule applies to it), its
        SOC is the one given on the record, and it carries :data:`UNLISTED_NOTE`.
        """
        found = self._index.get(name.strip().casefold())
        if found is not None:
            return found
        return CtcaeTerm(
            term=name.strip(),
            soc=soc or UNLISTED_SOC,
            provenance="investigator",
            listed=False,
            in_ctcae=False,
            grades={g: "investigator's grade" for g in (1, 2, 3, 4, 5)},
            note=UNLISTED_NOTE,
        )


def _merge(entry: dict[str, object], nci: NciTerm) -> dict[str, object]:
    """cartrial's entry for an NCI term, checked against and completed from NCI's row."""
    name = nci.term
    for key, theirs in (("meddra_code", nci.meddra_code), ("soc", nci.soc)):
        ours = entry.get(key)
        if ours is not None and ours != theirs:
            raise ValueError(
                f"ctcae_v5.yaml: {name}: {key} {ours!r}, but NCI CTCAE v5.0 prints {theirs!r}"
            )
    if "grades" in entry and "grades_source" not in entry:
        raise ValueError(
            f"ctcae_v5.yaml: {name}: grade texts come from NCI's list; "
            "give 'grades_source' to grade by another scale"
        )
    return {
        **entry,
        "meddra_code": nci.meddra_code,
        "soc": nci.soc,
        "grades": entry.get("grades", nci.grades),
        "definition": nci.definition,
    }


def _nci_only(nci: NciTerm) -> CtcaeTerm:
    return CtcaeTerm(
        term=nci.term,
        meddra_code=nci.meddra_code,
        soc=nci.soc,
        provenance="NCI",
        grades=nci.grades,
        definition=nci.definition,
    )


@functools.cache
def load_ctcae() -> CtcaeTable:
    """The CTCAE v5.0 table (NCI's 837 terms and cartrial's additions), built once per process.

    An entry of ``ctcae_v5.yaml`` whose term is on NCI's list must agree with it
    (MedDRA code, SOC) and takes its grade texts from it; the other entries are
    cartrial's own terms (``in_ctcae`` false). Every NCI term not in the YAML is
    added with NCI's code, SOC and grades.
    """
    text = resources.files("cartrial.safety").joinpath("data/ctcae_v5.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    nci = {t.term.casefold(): t for t in load_nci_terms()}
    curated: list[dict[str, object]] = []
    for entry in raw["terms"]:
        row = nci.pop(str(entry["term"]).casefold(), None)
        curated.append(_merge(entry, row) if row is not None else {**entry, "in_ctcae": False})
    terms = [CtcaeTerm.model_validate(e) for e in curated] + [_nci_only(t) for t in nci.values()]
    return CtcaeTable(version=raw["version"], terms=terms)


class LabGrade(BaseModel):
    term: str
    soc: str
    grade: int
    reason: str


def _in_unit(lab: LabGrading, value: Decimal, unit: str, to: str, field: str) -> Decimal:
    written = ANALYTES[lab.analyte].find(unit)
    if normalise_unit(unit) == normalise_unit(to) or (
        written is not None and written == ANALYTES[lab.analyte].find(to)
    ):
        return value  # one unit, perhaps spelled two ways (g/dl, g/dL): nothing to convert
    try:
        return convert(lab.analyte, value, unit, to=to).value
    except UnknownUnitError as exc:
        # ``field`` is the unit's own field; convert would name "<analyte>.unit".
        raise exc.at(field) from None


def grade_lab(
    *,
    term: str,
    value: Decimal,
    unit: str,
    uln: Decimal | None = None,
    lln: Decimal | None = None,
    baseline: Decimal | None = None,
    reference_unit: str | None = None,
    on_anticoagulation: bool = False,
    field: str = "",
) -> LabGrade:
    """Grade one laboratory value by CTCAE v5.0 (steps in the module docstring).

    ``uln``, ``lln`` and ``baseline`` are in ``reference_unit`` (default: ``unit``).
    ``field`` prefixes the field names in errors (``labs[2].``).
    """
    entry = load_ctcae().find(term, field=f"{field}term")
    lab = entry.lab
    if lab is None:
        raise InputError(f"{field}term", term, "a CTCAE v5.0 term graded from a laboratory value")
    if value < 0:
        raise InputError(f"{field}value", value, "a value >= 0")
    # One unit policy (cartrial.units.check_unit): a unit the table does not know
    # is refused even where every threshold is ULN-relative and nothing converts.
    check_unit(lab.analyte, unit, field=f"{field}unit")
    if reference_unit is not None:
        check_unit(lab.analyte, reference_unit, field=f"{field}reference_unit")
    ref_unit = reference_unit or unit
    refs_raw = {"ULN": uln, "LLN": lln, "baseline": baseline}
    refs = {
        k: None if v is None else _in_unit(lab, v, ref_unit, unit, f"{field}reference_unit")
        for k, v in refs_raw.items()
    }
    notes: list[str] = []
    if baseline is None:
        abnormal = False
        if any(t.when == "baseline_abnormal" for t in lab.thresholds):
            notes.append("no baseline given: graded as if baseline normal")
    else:
        limit = refs["ULN"] if lab.direction == "increased" else refs["LLN"]
        if limit is None and any(t.when.startswith("baseline_") for t in lab.thresholds):
            name = "uln" if lab.direction == "increased" else "lln"
            raise InputError(f"{field}{name}", None, f"a value to judge the baseline of {term}")
        cmp = refs["baseline"]
        assert cmp is not None
        abnormal = limit is not None and (
            cmp > limit if lab.direction == "increased" else cmp < limit
        )
        if abnormal and any(t.when == "baseline_abnormal" for t in lab.thresholds):
            notes.append("baseline abnormal: graded against baseline")
    applies = {
        "always": True,
        "baseline_normal": not abnormal,
        "baseline_abnormal": abnormal,
        "anticoagulated": on_anticoagulation,
        "not_anticoagulated": not on_anticoagulation,
    }
    best: tuple[int, str] = (0, "")
    missing: dict[str, int] = {}  # reference not given -> highest grade it decides
    for t in lab.thresholds:
        if not applies[t.when]:
            continue
        if t.relative_to == "absolute":
            assert t.unit is not None
            # A unit CTCAE also prints (haemoglobin in mmol/L) is compared as printed;
            # the table's units are read case-sensitively (cartrial.units).
            written = ANALYTES[lab.analyte].find(unit)
            if written is not None and written in t.alt_values:
                measured, limit_value, shown = value, t.alt_values[written], unit
            else:
                measured = _in_unit(lab, value, unit, t.unit, f"{field}unit")
                limit_value, shown = t.value, t.unit
            text = (
                f"{format_decimal(value)} {unit} {t.comparator} "
                f"{format_decimal(limit_value)} {shown}"
            )
        else:
            ref = refs[t.relative_to]
            if ref is None:
                if t.relative_to != "baseline":
                    missing[t.relative_to] = max(missing.get(t.relative_to, 0), t.grade)
                continue
            measured, limit_value = value, t.value * ref
            factor = "" if t.value == 1 else f"{format_decimal(t.value)} x "
            text = (
                f"{format_decimal(value)} {unit} {t.comparator} {factor}{t.relative_to} "
                f"{format_decimal(ref)} {unit}"
            )
        if t.met(measured, limit_value) and t.grade > best[0]:
            best = (t.grade, f"{text} (CTCAE v5.0: {t.source})")
    for name, needed_for in missing.items():
        if best[0] < needed_for:
            raise InputError(
                f"{field}{name.lower()}",
                None,
                f"the {name} to grade {entry.term} "
                f"({format_decimal(value)} {unit} meets no threshold that does without it)",
            )
    grade = min(best[0], lab.max_lab_grade)
    if grade == 0:
        reason = f"{entry.term} grade 0: {format_decimal(value)} {unit} meets no grade threshold"
    else:
        reason = f"{entry.term} grade {grade}: {best[1]}"
    if notes:
        reason += "; " + "; ".join(notes)
    return LabGrade(term=entry.term, soc=entry.soc, grade=grade, reason=reason)


_MAX = Decimal("1e9")  # above any laboratory value in any accepted unit (platelets/mm3 ~1e6)


class LabRecord(InputModel):
    """One laboratory value to grade (a row of the ``grade-lab`` file, docs/safety.md)."""

    term: str = Field(min_length=1)
    time: Timestamp | None = None
    value: Decimal = Field(ge=0, lt=_MAX)
    unit: str = Field(min_length=1)
    uln: Decimal | None = Field(default=None, gt=0, lt=_MAX)
    lln: Decimal | None = Field(default=None, gt=0, lt=_MAX)
    baseline: Decimal | None = Field(default=None, ge=0, lt=_MAX)
    reference_unit: str | None = None
    on_anticoagulation: bool = False


class LabFile(InputModel):
    patient: str | None = None
    labs: list[LabRecord] = Field(min_length=1)


class GradedLab(LabGrade):
    time: str | None
    value: Decimal
    unit: str


def grade_lab_record(record: LabRecord, *, field: str = "") -> GradedLab:
    """Grade one :class:`LabRecord`: the one place its fields become :func:`grade_lab`'s.

    Both ``cartrial safety grade-lab`` (a file's rows) and the store's
    ``record_lab`` (a stored row, via :func:`cartrial.safety.lab_input.lab_record`)
    grade through here, so the baseline, the anticoagulation flag, ULN/LLN and
    the units reach the engine the same way (issue 12).
    """
    g = grade_lab(
        term=record.term,
        value=record.value,
        unit=record.unit,
        uln=record.uln,
        lln=record.lln,
        baseline=record.baseline,
        reference_unit=record.reference_unit,
        on_anticoagulation=record.on_anticoagulation,
        field=field,
    )
    return GradedLab(
        **g.model_dump(),
        time=record.time.isoformat() if record.time else None,
        value=record.value,
        unit=record.unit,
    )


def grade_lab_records(records: list[LabRecord]) -> list[GradedLab]:
    """Grade every record; the first bad record raises before anything is returned."""
    return [grade_lab_record(r, field=f"labs[{i}].") for i, r in enumerate(records)]
