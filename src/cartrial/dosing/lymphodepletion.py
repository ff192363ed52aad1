"""Lymphodepleting chemotherapy: daily dose per agent from BSA, with the protocol's renal bands.

Rule (CLINICAL_RULES.md section 5, "Lymphodepletion dosing arithmetic"):

1. Full daily dose = protocol dose (mg/m2/day) x BSA (m2, see :mod:`cartrial.dosing.bsa`).
2. Renal adjustment: the agent's ``renal_adjustment`` bands (creatinine clearance,
   mL/min, Cockcroft-Gault from :mod:`cartrial.dosing.renal` or measured) give the
   fraction of the full dose. The fludarabine label reduces the dose by 20 % for
   CrCl 30-70 (fludarabine phosphate USPI section 2.2); whether exactly 30 and
   exactly 70 fall inside is the protocol's wording, held in each
   :class:`~cartrial.protocol.model.RenalBand`. Factor 0 means the agent is not
   given. A CrCl outside every band is an error (the protocol does not say how to
   dose it). An agent without bands is not adjusted (cyclophosphamide usually).
3. No CrCl given: the full dose, with an explicit warning that renal adjustment was
   not assessed.
4. Daily dose = protocol dose x factor x BSA, exact decimal, rounded half-up to
   ``rounding_mg`` (default 0.1 mg). Worked numbers (CLINICAL_RULES): 1.818 m2,
   fludarabine 30 -> 54.5 mg/day; CrCl 45 -> 24 mg/m2 -> 43.6 mg/day;
   cyclophosphamide 500 -> 909 mg/day.
5. Dose dates = infusion date + the protocol's study days (day 0 = infusion).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from cartrial.dosing.bsa import BsaResult
from cartrial.errors import InputError, ProtocolError
from cartrial.protocol.model import AgentRegimen, Lymphodepletion, RenalBand

__all__ = [
    "DEFAULT_ROUNDING_MG",
    "AgentDose",
    "LymphodepletionPlan",
    "check_crcl",
    "compute_agent_dose",
    "compute_lymphodepletion",
    "describe_band",
    "format_decimal",
    "round_to_step",
    "select_renal_band",
]

DEFAULT_ROUNDING_MG = Decimal("0.1")
_MAX_CRCL = Decimal(500)


class AgentDose(BaseModel):
    """One agent's daily dose, its dates and the arithmetic that produced it."""

    model_config = ConfigDict(frozen=True)

    agent: str
    route: str
    dose_mg_per_m2_per_day: Decimal
    bsa_m2: Decimal
    renal_assessed: bool
    crcl_ml_per_min: Decimal | None
    renal_band: str | None
    renal_factor: Decimal
    adjusted_mg_per_m2_per_day: Decimal
    unrounded_mg_per_day: Decimal
    rounding_mg: Decimal
    daily_dose_mg: Decimal
    is_given: bool
    days: list[int]
    dates: list[date]
    total_mg: Decimal
    is_assumed: bool
    reason: str


class LymphodepletionPlan(BaseModel):
    """Every agent's dose, plus warnings the user must see (renal not assessed, assumed doses)."""

    model_config = ConfigDict(frozen=True)

    agents: list[AgentDose]
    rounding_mg: Decimal
    warnings: list[str]


def format_decimal(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros.

    >>> [format_decimal(Decimal(v)) for v in ("30.0", "1E+2", "0.80")]
    ['30', '100', '0.8']
    """
    return f"{value.normalize():f}"


def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded half-up to a multiple of ``step`` (0.1 mg, 1 mg, 10 mg, a vial...).

    >>> round_to_step(Decimal("45.45"), Decimal("0.1")), round_to_step(Decimal("909"), Decimal(10))
    (Decimal('45.5'), Decimal('910'))
    >>> round_to_step(Decimal("43.7"), Decimal("2.5"))
    Decimal('42.5')
    """
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def describe_band(band: RenalBand) -> str:
    """The band as a readable inequality.

    >>> describe_band(RenalBand(min_ml_per_min=Decimal(30), max_ml_per_min=Decimal(70),
    ...                         factor=Decimal("0.8")))
    '30 <= CrCl < 70 mL/min'
    >>> describe_band(RenalBand(max_ml_per_min=Decimal(30), max_inclusive=True, factor=Decimal(0)))
    'CrCl <= 30 mL/min'
    """
    low, high = band.min_ml_per_min, band.max_ml_per_min
    low_op = "<=" if band.min_inclusive else "<"
    high_op = "<=" if band.max_inclusive else "<"
    if low is not None and high is not None:
        text = f"{format_decimal(low)} {low_op} CrCl {high_op} {format_decimal(high)}"
    elif low is not None:
        text = f"CrCl {'>=' if band.min_inclusive else '>'} {format_decimal(low)}"
    elif high is not None:
        text = f"CrCl {high_op} {format_decimal(high)}"
    else:
        return "any CrCl"
    return text + " mL/min"


def _show_crcl(crcl: Decimal) -> str:
    # A computed clearance (Cockcroft-Gault) has many digits: bands compare the exact
    # value, the reason shows it to 0.01 mL/min, marked approximate.
    text = format_decimal(crcl)
    if "." in text and len(text.split(".")[1]) > 2:
        return "~" + format_decimal(crcl.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return text


def check_crcl(crcl_ml_per_min: Decimal) -> Decimal:
    """Return the creatinine clearance if plausible (0-500 mL/min), else raise InputError."""
    if not crcl_ml_per_min.is_finite() or not Decimal(0) <= crcl_ml_per_min <= _MAX_CRCL:
        raise InputError(
            "crcl", str(crcl_ml_per_min), f"a creatinine clearance in mL/min from 0 to {_MAX_CRCL}"
        )
    return crcl_ml_per_min


def select_renal_band(
    *, agent: AgentRegimen, crcl_ml_per_min: Decimal, where: str = "renal_adjustment"
) -> RenalBand:
    """The one band of ``agent`` containing the clearance.

    Raises :class:`InputError` when no band contains it (the protocol does not say
    how to dose) and :class:`ProtocolError` when two bands overlap there.
    """
    matches = [b for b in agent.renal_adjustment if b.contains(crcl_ml_per_min)]
    if not matches:
        covered = "; ".join(describe_band(b) for b in agent.renal_adjustment)
        raise InputError(
            "crcl",
            str(crcl_ml_per_min),
            f"a creatinine clearance inside the protocol's renal bands for {agent.agent} "
            f"({covered}); outside them the protocol does not say how to dose",
        )
    if len(matches) > 1:
        raise ProtocolError(
            "protocol",
            [(where, None, f"renal bands of {agent.agent} overlap at CrCl {crcl_ml_per_min}")],
        )
    return matches[0]


def compute_agent_dose(
    *,
    agent: AgentRegimen,
    bsa: BsaResult,
    infusion_date: date,
    crcl_ml_per_min: Decimal | None,
    rounding_mg: Decimal = DEFAULT_ROUNDING_MG,
) -> AgentDose:
    """One agent's daily dose (module doc, steps 1-5).

    >>> from cartrial.dosing.bsa import compute_bsa
    >>> flu = AgentRegimen(agent="fludarabine", dose_mg_per_m2_per_day=Decimal(30), days=[-5],
    ...     renal_adjustment=[RenalBand(min_ml_per_min=Decimal(30), max_ml_per_min=Decimal(70),
    ...                                 max_inclusive=True, factor=Decimal("0.8")),
    ...                       RenalBand(min_ml_per_min=Decimal(70), min_inclusive=False,
    ...                                 factor=Decimal(1))])
    >>> bsa = compute_bsa(weight_kg=Decimal(70), height_cm=Decimal(170))
    >>> d = compute_agent_dose(agent=flu, bsa=bsa, infusion_date=date(2026, 3, 1),
    ...                        crcl_ml_per_min=Decimal(45))
    >>> d.daily_dose_mg, d.dates
    (Decimal('43.6'), [datetime.date(2026, 2, 24)])
    >>> for part in d.reason.split(" = "): print(part)
    fludarabine 30 mg/m2/day x 1.818 m2 x 0.8 (CrCl 45 mL/min in 30 <= CrCl <= 70 mL/min)
    43.632 -> 43.6 mg/day (half-up to 0.1 mg) on day -5
    """
    if not rounding_mg.is_finite() or rounding_mg <= 0:
        raise InputError("rounding_mg", str(rounding_mg), "a positive rounding step in mg")
    name = agent.agent
    per_m2 = agent.dose_mg_per_m2_per_day
    head = f"{name} {format_decimal(per_m2)} mg/m2/day x {bsa.bsa_m2} m2"
    band_text: str | None = None
    if not agent.renal_adjustment:
        factor = Decimal(1)
        renal_note = " (no renal adjustment in the protocol)"
        assessed = True
    elif crcl_ml_per_min is None:
        factor = Decimal(1)
        renal_note = " (renal adjustment NOT assessed: no CrCl given; full dose)"
        assessed = False
    else:
        band = select_renal_band(agent=agent, crcl_ml_per_min=crcl_ml_per_min)
        factor = band.factor
        band_text = describe_band(band)
        renal_note = (
            f" x {format_decimal(factor)} (CrCl {_show_crcl(crcl_ml_per_min)} mL/min "
            f"in {band_text})"
        )
        assessed = True
    adjusted = per_m2 * factor
    unrounded = adjusted * bsa.bsa_m2
    daily = round_to_step(unrounded, rounding_mg)
    is_given = factor > 0
    days = sorted(agent.days)
    dates = [infusion_date + timedelta(days=d) for d in days]
    when = ("day " if len(days) == 1 else "days ") + ", ".join(str(d) for d in days)
    if is_given:
        reason = (
            f"{head}{renal_note} = {format_decimal(unrounded)} -> {daily} mg/day "
            f"(half-up to {format_decimal(rounding_mg)} mg) on {when}"
        )
    else:
        reason = (
            f"{name} NOT GIVEN: CrCl {_show_crcl(crcl_ml_per_min or Decimal(0))} mL/min "
            f"in {band_text}, where the protocol's factor is 0"
        )
        daily = round_to_step(Decimal(0), rounding_mg)
    return AgentDose(
        agent=name,
        route=agent.route,
        dose_mg_per_m2_per_day=per_m2,
        bsa_m2=bsa.bsa_m2,
        renal_assessed=assessed,
        crcl_ml_per_min=crcl_ml_per_min,
        renal_band=band_text,
        renal_factor=factor,
        adjusted_mg_per_m2_per_day=adjusted,
        unrounded_mg_per_day=unrounded,
        rounding_mg=rounding_mg,
        daily_dose_mg=daily,
        is_given=is_given,
        days=days,
        dates=dates,
        total_mg=daily * len(days) if is_given else daily,
        is_assumed=agent.assumed,
        reason=reason,
    )


def compute_lymphodepletion(
    *,
    regimen: Lymphodepletion,
    bsa: BsaResult,
    infusion_date: date,
    crcl_ml_per_min: Decimal | None,
    rounding_mg: Decimal = DEFAULT_ROUNDING_MG,
) -> LymphodepletionPlan:
    """Every agent of the regimen (in protocol order), with the warnings to show."""
    if crcl_ml_per_min is not None:
        check_crcl(crcl_ml_per_min)
    agents = [
        compute_agent_dose(
            agent=agent,
            bsa=bsa,
            infusion_date=infusion_date,
            crcl_ml_per_min=crcl_ml_per_min,
            rounding_mg=rounding_mg,
        )
        for agent in regimen.agents
    ]
    warnings: list[str] = []
    for regimen_agent, dose in zip(regimen.agents, agents, strict=True):
        if not dose.renal_assessed:
            bands = "; ".join(describe_band(b) for b in regimen_agent.renal_adjustment)
            warnings.append(
                f"renal adjustment of {dose.agent} NOT assessed (no --crcl given): full dose "
                f"shown; the protocol adjusts it by creatinine clearance ({bands})"
            )
        if not dose.is_given:
            warnings.append(f"{dose.agent} is not given at this creatinine clearance")
        if regimen_agent.assumed:
            why = f": {regimen_agent.reason.rstrip('.')}" if regimen_agent.reason else ""
            warnings.append(
                f"{dose.agent} {format_decimal(dose.dose_mg_per_m2_per_day)} mg/m2/day is an "
                f"assumed value in the protocol file{why}; confirm it against the full protocol"
            )
        source = regimen_agent.renal_adjustment_source
        if regimen_agent.renal_adjustment and source is not None and source.assumed:
            why = f": {source.reason.rstrip('.')}" if source.reason else ""
            warnings.append(f"the renal bands of {dose.agent} are assumed{why}")
    return LymphodepletionPlan(agents=agents, rounding_mg=rounding_mg, warnings=warnings)
