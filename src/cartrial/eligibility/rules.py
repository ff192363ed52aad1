"""Evaluating one eligibility rule against a screening record, in three-valued logic.

Each rule kind of :mod:`cartrial.protocol.criteria` evaluates to ``True``,
``False`` or ``None`` (cannot be decided from the record) with a reason that
quotes the value, its date and the threshold. Combinators use Kleene's strong
three-valued logic: ``any_of`` is true as soon as one branch is true even when
others are unknown, ``all_of`` is false as soon as one branch is false.

Conventions (stated here because the seeds' wording leaves them implicit):

- *Age* is whole years completed at the consent date; bounds are inclusive, as
  the seeds write them ("18-75 years (>=18 and <=75 years)").
- *"Within P before the reference date"*: an event dated ``d`` is within when
  ``d > reference - P`` (an event exactly P before is outside, so a washout of
  exactly 4 weeks satisfies "no therapy within 4 weeks"). Events dated after
  the reference count as within. Months and years are calendar months/years.
- *"P or N half-lives, whichever is shorter"*: the washout is the shorter of
  the two; with the half-life unknown, a gap of at least P settles it (the
  shorter washout cannot exceed P), a shorter gap needs review.
- *Reference "infusion"* when no infusion date is planned yet: the earliest
  possible infusion date is consent plus the protocol's lymphodepletion lead time
  (:mod:`cartrial.eligibility.infusion`; the consent date when the protocol has no
  lymphodepletion), so an event outside the window before that date is outside it
  before any later infusion (a washout it completes is met); otherwise review.
- *Supportive care before a blood count* (G-CSF, transfusions) only raises the
  count, so a value below a minimum threshold fails the criterion whatever support
  preceded it; only a passing value sampled within the protocol's interval after
  support needs review (repeat the test).
- *Reference "enrollment"* without an enrolment date uses the consent date and
  says so in the reason.
- A laboratory criterion uses the most recent result of the test.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from cartrial.display import significant
from cartrial.dosing.renal import compute_creatinine_clearance_cockcroft_gault
from cartrial.eligibility.paths import resolve
from cartrial.eligibility.record import Lab, PriorTherapy, ScreeningRecord
from cartrial.protocol.criteria import (
    AgeRule,
    AllOf,
    AnyOf,
    CreatinineClearanceRule,
    FieldRule,
    LabRule,
    Not,
    Period,
    PriorTherapyRule,
    ReferenceDate,
    ReviewRule,
    Rule,
    WashoutRule,
    WithinRule,
)
from cartrial.units import ANALYTES, convert, format_decimal

__all__ = ["Outcome", "compute_age_years", "evaluate_rule"]

LAB_LABELS = {
    "wbc": "WBC",
    "anc": "ANC",
    "alc": "ALC",
    "platelets": "PLT",
    "hemoglobin": "HGB",
    "ast": "AST",
    "alt": "ALT",
    "total_bilirubin": "total bilirubin",
    "direct_bilirubin": "direct bilirubin",
    "creatinine": "serum creatinine",
    "creatinine_clearance": "creatinine clearance",
    "inr": "INR",
    "aptt": "APTT",
}

_SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_SUPPORT_FIELDS = {
    "gcsf": ("last_gcsf_date", "G-CSF"),
    "rbc_transfusion": ("last_rbc_transfusion_date", "red-cell transfusion"),
    "platelet_transfusion": ("last_platelet_transfusion_date", "platelet transfusion"),
}


@dataclass(frozen=True)
class Outcome:
    """A rule's value (``None``: cannot be decided from the record) and why."""

    value: bool | None
    reason: str


def compute_age_years(birth_date: dt.date, on: dt.date) -> int:
    """Whole years completed on ``on``.

    >>> compute_age_years(dt.date(2000, 3, 1), dt.date(2018, 2, 28))
    17
    >>> compute_age_years(dt.date(2000, 3, 1), dt.date(2018, 3, 1))
    18
    """
    return relativedelta(on, birth_date).years


def _fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _is(value: bool, text: str) -> str:
    return text if value else f"not {text}"


def _lab_label(test: str) -> str:
    return LAB_LABELS.get(test, test.replace("_", " "))


def _evaluate_age(rule: AgeRule, record: ScreeningRecord) -> Outcome:
    bounds = []
    if rule.min_years is not None:
        bounds.append(f"≥ {rule.min_years}")
    if rule.max_years is not None:
        bounds.append(f"≤ {rule.max_years}")
    wanted = " and ".join(bounds)
    if record.birth_date is None:
        return Outcome(None, f"birth date not recorded (age must be {wanted} years)")
    age = compute_age_years(record.birth_date, record.consent_date)
    ok = (rule.min_years is None or age >= rule.min_years) and (
        rule.max_years is None or age <= rule.max_years
    )
    return Outcome(ok, f"age {age} years at consent ({record.consent_date}) is {_is(ok, wanted)}")


def _support_voids(rule: LabRule, lab: Lab, record: ScreeningRecord) -> Outcome | None:
    """An outcome when supportive care makes the sample unusable or unknown."""
    days = rule.void_if_support_within_days
    if days is None:
        return None
    for kind in rule.support:
        attribute, name = _SUPPORT_FIELDS[kind]
        given = getattr(record.supportive_care, attribute)
        if given is None:
            return Outcome(
                None,
                f"{name} before the sample not recorded (none allowed within "
                f"{days} days before the {_lab_label(lab.test)} sample)",
            )
        if given == "never":
            continue
        if lab.date is None:
            return Outcome(None, f"{_lab_label(lab.test)} sample undated; {name} given {given}")
        if lab.date - dt.timedelta(days=days) < given <= lab.date:
            return Outcome(
                None,
                f"{_lab_label(lab.test)} sample of {lab.date} is within {days} "
                f"days after {name} on {given}: repeat the test",
            )
    return None


def _evaluate_lab(rule: LabRule, record: ScreeningRecord) -> Outcome:
    """A lab criterion; supportive care voids only a passing value (module conventions)."""
    outcome = _compare_lab(rule, record)
    lab = record.latest_lab(rule.test)
    if outcome.value is None or lab is None:
        return outcome
    voided = _support_voids(rule, lab, record)
    if voided is None:
        return outcome
    if outcome.value is False and rule.op in (">", ">="):
        return Outcome(
            False,
            f"{outcome.reason}; {voided.reason.split(': repeat')[0]}, "
            "but support can only raise a count, so it fails all the same",
        )
    if outcome.value is False:
        return outcome
    return voided


def _compare_lab(rule: LabRule, record: ScreeningRecord) -> Outcome:
    label = _lab_label(rule.test)
    symbol = _SYMBOL[rule.op]
    lab = record.latest_lab(rule.test)
    if rule.value is not None and rule.unit is not None:
        wanted = f"{symbol} {format_decimal(rule.value)} {rule.unit}"
    else:
        multiple = rule.times_uln if rule.times_uln is not None else rule.times_lln
        assert multiple is not None
        wanted = f"{symbol} {format_decimal(multiple)} x {'ULN' if rule.times_uln else 'LLN'}"
    if lab is None:
        return Outcome(None, f"no {label} result (required {wanted})")
    index = record.labs.index(lab)
    field = f"labs[{index}]"
    measured = f"{label} {format_decimal(lab.value)} {lab.unit}" + (
        f" ({lab.date})" if lab.date else ""
    )
    compare = _COMPARE[rule.op]
    if rule.value is not None and rule.unit is not None:
        ours = convert(rule.test, lab.value, lab.unit, field=field).value
        theirs = convert(rule.test, rule.value, rule.unit, field=field).value
        ok = compare(ours, theirs)
        return Outcome(ok, f"{measured} is {_is(ok, wanted)}")
    limit_name = "ULN" if rule.times_uln is not None else "LLN"
    limit = lab.uln if rule.times_uln is not None else lab.lln
    multiple = rule.times_uln if rule.times_uln is not None else rule.times_lln
    assert multiple is not None
    if limit is None:
        return Outcome(None, f"{measured} has no {limit_name} recorded (required {wanted})")
    ok = compare(lab.value, multiple * limit)
    ratio = (lab.value / limit).quantize(Decimal("0.01"))
    return Outcome(
        ok,
        f"{measured} = {format_decimal(ratio)} x {limit_name} ({limit_name} "
        f"{format_decimal(limit)} {lab.unit}) is {_is(ok, wanted)}",
    )


def _evaluate_crcl(rule: CreatinineClearanceRule, record: ScreeningRecord) -> Outcome:
    symbol = _SYMBOL[rule.op]
    wanted = f"{symbol} {format_decimal(rule.ml_per_min)} mL/min"
    compare = _COMPARE[rule.op]
    measured = record.latest_lab("creatinine_clearance")
    if measured is not None:
        value = convert("creatinine_clearance", measured.value, measured.unit).value
        ok = compare(value, rule.ml_per_min)
        return Outcome(
            ok, f"measured creatinine clearance {format_decimal(value)} mL/min is {_is(ok, wanted)}"
        )
    creatinine = record.latest_lab("creatinine")
    missing = [
        name
        for name, value in (
            ("birth date", record.birth_date),
            ("weight", record.weight_kg),
            ("sex", record.sex),
            ("serum creatinine", creatinine),
        )
        if value is None
    ]
    if missing:
        return Outcome(
            None,
            f"creatinine clearance not measured and Cockcroft-Gault needs "
            f"{', '.join(missing)} (required {wanted})",
        )
    assert creatinine is not None and record.birth_date and record.weight_kg and record.sex
    index = record.labs.index(creatinine)
    scr = convert("creatinine", creatinine.value, creatinine.unit, field=f"labs[{index}]").value
    age = compute_age_years(record.birth_date, record.consent_date)
    crcl = compute_creatinine_clearance_cockcroft_gault(
        age_years=age, weight_kg=record.weight_kg, sex=record.sex, serum_creatinine_mg_dl=scr
    )
    ok = compare(crcl, rule.ml_per_min)
    shown = format_decimal(crcl.quantize(Decimal("0.1")))
    return Outcome(
        ok,
        f"Cockcroft-Gault creatinine clearance {shown} mL/min (age {age}, "
        f"{format_decimal(record.weight_kg)} kg, {record.sex}, creatinine "
        f"{significant(scr)} mg/dL) is {_is(ok, wanted)}",
    )


def _evaluate_field(rule: FieldRule, record: ScreeningRecord) -> Outcome:
    label = rule.label or rule.field
    prefix = "investigator: " if rule.judgement else ""
    value = resolve(record, rule.field)
    if value is None:
        who = "investigator's assessment" if rule.judgement else "value"
        return Outcome(None, f"no {who} recorded for {label}")
    if rule.op in ("in", "not_in"):
        options = list(rule.value)
        found = value in options
        ok = found if rule.op == "in" else not found
        listed = ", ".join(_fmt(o) for o in options)
        return Outcome(ok, f"{prefix}{label} is {_fmt(value)} ({_is(found, 'one of')} {listed})")
    expected = Decimal(str(rule.value)) if isinstance(value, Decimal) else rule.value
    ok = _COMPARE[rule.op](value, expected)
    if rule.op == "==":
        return Outcome(ok, f"{prefix}{label} is {_fmt(value)}")
    return Outcome(
        ok, f"{prefix}{label} {_fmt(value)} is {_is(ok, f'{_SYMBOL[rule.op]} {_fmt(expected)}')}"
    )


def _reference(
    reference: ReferenceDate, record: ScreeningRecord, earliest: dt.date | None
) -> tuple[dt.date, str, bool]:
    """The reference date, how to name it, and whether it is only a lower bound."""
    if reference == "consent":
        return record.consent_date, f"consent ({record.consent_date})", False
    if reference == "enrollment":
        if record.enrollment_date is not None:
            return record.enrollment_date, f"enrolment ({record.enrollment_date})", False
        return record.consent_date, f"consent ({record.consent_date}; no enrolment date)", False
    if record.planned_infusion_date is not None:
        return record.planned_infusion_date, f"infusion ({record.planned_infusion_date})", False
    if earliest is not None and earliest > record.consent_date:
        lead = (earliest - record.consent_date).days
        return (
            earliest,
            f"the earliest possible infusion ({earliest}: consent {record.consent_date} + "
            f"{lead} days of lymphodepletion lead time; infusion not yet planned)",
            True,
        )
    return record.consent_date, f"consent ({record.consent_date}; infusion not yet planned)", True


def _window_start(reference: dt.date, period: Period) -> dt.date:
    return reference - relativedelta(
        days=period.days or 0,
        weeks=period.weeks or 0,
        months=period.months or 0,
        years=period.years or 0,
    )


def _evaluate_within(
    rule: WithinRule, record: ScreeningRecord, earliest: dt.date | None
) -> Outcome:
    label = rule.label or rule.field
    ref, ref_name, lower_bound = _reference(rule.reference, record, earliest)
    start = _window_start(ref, rule.period)
    value = resolve(record, rule.field)
    if value is None:
        return Outcome(None, f"{label} not recorded")
    if rule.date_field is None:
        if value == "never":
            return Outcome(False, f"{label}: none")
        dates = [value]
    else:
        items = [
            item
            for item in value
            if all(
                getattr(item, key) in (want if isinstance(want, list) else [want])
                for key, want in rule.where.items()
            )
        ]
        if not items:
            return Outcome(False, f"{label}: none recorded")
        dates = [getattr(item, rule.date_field) for item in items]
    latest = max(dates)
    within = latest > start
    if within and lower_bound:
        return Outcome(
            None,
            f"{label} on {latest}: within {rule.period} before {ref_name}; "
            "decide once the infusion date is set",
        )
    return Outcome(
        within, f"{label} on {latest} is {_is(within, f'within {rule.period} before')} {ref_name}"
    )


def _evaluate_prior_therapy(rule: PriorTherapyRule, record: ScreeningRecord) -> Outcome:
    wanted = ", ".join(rule.classes)
    if record.prior_therapies is None:
        return Outcome(None, f"prior therapy history not recorded (looking for {wanted})")
    found = [t for t in record.prior_therapies if t.therapy_class in rule.classes]
    if not found:
        return Outcome(False, f"no prior {wanted}")
    names = ", ".join(_therapy_name(t) for t in found)
    return Outcome(True, f"prior {names}")


def _therapy_name(therapy: PriorTherapy) -> str:
    agent = f" ({therapy.agent})" if therapy.agent else ""
    return f"{therapy.therapy_class.value}{agent}"


def _evaluate_washout(
    rule: WashoutRule, record: ScreeningRecord, earliest: dt.date | None
) -> Outcome:
    wanted = ", ".join(rule.classes)
    if record.prior_therapies is None:
        return Outcome(None, f"prior therapy history not recorded (washout of {wanted})")
    ref, ref_name, lower_bound = _reference(rule.reference, record, earliest)
    outcomes: list[Outcome] = []
    for therapy in record.prior_therapies:
        if therapy.therapy_class not in rule.classes:
            continue
        outcomes.append(_washout_of(therapy, rule, ref, ref_name, lower_bound))
    if not outcomes:
        return Outcome(False, f"no prior {wanted}")
    return _combine_any(outcomes, none_reason=f"no {wanted} within the washout")


def _washout_of(
    therapy: PriorTherapy, rule: WashoutRule, ref: dt.date, ref_name: str, lower_bound: bool
) -> Outcome:
    name = _therapy_name(therapy)
    if rule.min_prednisone_eq_mg_per_day is not None:
        dose = therapy.prednisone_equivalent_mg_per_day
        threshold = format_decimal(rule.min_prednisone_eq_mg_per_day)
        if dose is None:
            return Outcome(
                None,
                f"{name}: prednisone-equivalent dose not recorded (counts from {threshold} mg/day)",
            )
        if dose < rule.min_prednisone_eq_mg_per_day:
            return Outcome(
                False,
                f"{name} at {format_decimal(dose)} mg/day prednisone-equivalent "
                f"is below {threshold} mg/day",
            )
    if therapy.end_date is None:
        return Outcome(True, f"{name} is ongoing (no end date)")
    fixed_days = Decimal((therapy.end_date + _period_delta(rule.period) - therapy.end_date).days)
    gap = Decimal((ref - therapy.end_date).days)
    described = f"{rule.period}"
    if rule.half_lives is not None:
        described += f" or {rule.half_lives} half-lives, whichever is {rule.combine}"
        if therapy.half_life_days is None:
            decided = (gap >= fixed_days) if rule.combine == "shorter" else (gap < fixed_days)
            if not decided:
                return Outcome(
                    None,
                    f"{name} ended {therapy.end_date}, {gap} days before "
                    f"{ref_name}; half-life not recorded (washout {described})",
                )
            within = rule.combine == "longer"
            return Outcome(
                within,
                f"{name} ended {therapy.end_date}, {gap} days before "
                f"{ref_name}: {_is(within, 'within')} the washout ({described})",
            )
        by_half_life = rule.half_lives * therapy.half_life_days
        washout_days = (
            min(fixed_days, by_half_life)
            if rule.combine == "shorter"
            else max(fixed_days, by_half_life)
        )
        described += (
            f": {format_decimal(washout_days)} days with half-life "
            f"{format_decimal(therapy.half_life_days)} days"
        )
    else:
        washout_days = fixed_days
    within = gap < washout_days
    if within and lower_bound:
        return Outcome(
            None,
            f"{name} ended {therapy.end_date}, {gap} days before {ref_name}; washout "
            f"({described}) must be complete by the infusion, not yet planned",
        )
    return Outcome(
        within,
        f"{name} ended {therapy.end_date}, {gap} days before {ref_name}: "
        f"{_is(within, 'within')} the washout ({described})",
    )


def _period_delta(period: Period) -> relativedelta:
    return relativedelta(
        days=period.days or 0,
        weeks=period.weeks or 0,
        months=period.months or 0,
        years=period.years or 0,
    )


def _combine_any(outcomes: list[Outcome], *, none_reason: str) -> Outcome:
    true = [o for o in outcomes if o.value is True]
    if true:
        return Outcome(True, "; ".join(o.reason for o in true))
    unknown = [o for o in outcomes if o.value is None]
    if unknown:
        return Outcome(None, "; ".join(o.reason for o in unknown))
    return Outcome(False, "; ".join(o.reason for o in outcomes) or none_reason)


def _combine_all(outcomes: list[Outcome]) -> Outcome:
    false = [o for o in outcomes if o.value is False]
    if false:
        return Outcome(False, "; ".join(o.reason for o in false))
    unknown = [o for o in outcomes if o.value is None]
    if unknown:
        return Outcome(None, "; ".join(o.reason for o in unknown))
    return Outcome(True, "; ".join(o.reason for o in outcomes))


def evaluate_rule(
    rule: Rule, record: ScreeningRecord, *, earliest_infusion: dt.date | None = None
) -> Outcome:
    """Evaluate ``rule`` against ``record`` (true, false or unknown, with the reason).

    ``earliest_infusion``: the earliest possible infusion date when none is planned
    (:func:`cartrial.eligibility.infusion.earliest_possible_infusion`); without it
    the consent date stands in.
    """
    earliest = earliest_infusion
    match rule:
        case AgeRule():
            return _evaluate_age(rule, record)
        case LabRule():
            return _evaluate_lab(rule, record)
        case CreatinineClearanceRule():
            return _evaluate_crcl(rule, record)
        case FieldRule():
            return _evaluate_field(rule, record)
        case WithinRule():
            return _evaluate_within(rule, record, earliest)
        case PriorTherapyRule():
            return _evaluate_prior_therapy(rule, record)
        case WashoutRule():
            return _evaluate_washout(rule, record, earliest)
        case ReviewRule():
            return Outcome(None, f"investigator review: {rule.question}")
        case AllOf():
            return _combine_all(
                [evaluate_rule(r, record, earliest_infusion=earliest) for r in rule.rules]
            )
        case AnyOf():
            return _combine_any(
                [evaluate_rule(r, record, earliest_infusion=earliest) for r in rule.rules],
                none_reason="",
            )
        case Not():
            inner = evaluate_rule(rule.rule, record, earliest_infusion=earliest)
            value = None if inner.value is None else not inner.value
            return Outcome(value, inner.reason)
    raise AssertionError(f"unhandled rule kind {rule!r}")


# ANALYTES is imported so that a protocol rule naming a test can be checked here too.
assert set(LAB_LABELS) <= set(ANALYTES)
