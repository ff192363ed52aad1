"""Input records for ASTCT CRS and ICANS grading (the files of ``grade-crs`` and ``grade-icans``).

Each CRS observation is one time-stamped record with a ``kind``: ``temperature``
(°C or °F), ``blood_pressure`` (hypotension yes/no and the vasopressors running,
by agent and dose), ``oxygen`` (device and flow in L/min), ``medication``
(antipyretic, tocilizumab, corticosteroid or other anti-cytokine agent) and
``death``. A temperature, blood-pressure or oxygen record entered as the
day's worst value at a nominal time sets ``daily_worst: true``: it then stands
for its whole calendar day (see :mod:`cartrial.safety.astct`, "Day
boundaries"). ICANS assessments carry the ICE score by component and the other
domains of Lee et al. 2019 Table 6. The format is documented with examples in
``docs/safety.md``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from cartrial.safety.inputs import InputModel, Timestamp, parse_input

__all__ = [
    "CRS_TAGS",
    "BloodPressure",
    "CrsDeath",
    "CrsFile",
    "CrsObservation",
    "IcansAssessment",
    "IcansFile",
    "IceScore",
    "Medication",
    "Oxygen",
    "Seizure",
    "Temperature",
    "Vasopressor",
    "load_crs_file",
    "load_icans_file",
]


class Temperature(InputModel):
    kind: Literal["temperature"]
    time: Timestamp
    celsius: Decimal | None = Field(default=None, ge=25, le=45)
    fahrenheit: Decimal | None = Field(default=None, ge=77, le=113)
    other_cause: bool = False
    daily_worst: bool = False

    @model_validator(mode="after")
    def _one_scale(self) -> Temperature:
        if (self.celsius is None) == (self.fahrenheit is None):
            raise ValueError("exactly one of 'celsius' or 'fahrenheit'")
        return self

    @property
    def celsius_value(self) -> Decimal:
        """Temperature in °C; °F converted by (°F - 32) x 5/9."""
        if self.celsius is not None:
            return self.celsius
        assert self.fahrenheit is not None
        return (self.fahrenheit - 32) * 5 / 9


class Vasopressor(InputModel):
    agent: str = Field(min_length=1)
    dose: Decimal | None = Field(default=None, ge=0)
    dose_unit: str | None = None


class BloodPressure(InputModel):
    kind: Literal["blood_pressure"]
    time: Timestamp
    hypotension: bool
    systolic_mmhg: int | None = Field(default=None, ge=0, le=300)
    vasopressors: list[Vasopressor] = Field(default_factory=list)
    other_cause: bool = False
    daily_worst: bool = False

    @model_validator(mode="after")
    def _vasopressors_need_hypotension(self) -> BloodPressure:
        if self.vasopressors and not self.hypotension:
            raise ValueError("vasopressors are listed, so 'hypotension' must be true")
        return self


OxygenDevice = Literal[
    "none",
    "blow_by",
    "nasal_cannula",
    "high_flow_nasal_cannula",
    "facemask",
    "non_rebreather",
    "venturi",
    "cpap",
    "bipap",
    "mechanical_ventilation",
]


class Oxygen(InputModel):
    kind: Literal["oxygen"]
    time: Timestamp
    device: OxygenDevice
    flow_l_min: Decimal | None = Field(default=None, ge=0)
    other_cause: bool = False
    daily_worst: bool = False

    @model_validator(mode="after")
    def _cannula_needs_flow(self) -> Oxygen:
        if self.device == "nasal_cannula" and self.flow_l_min is None:
            raise ValueError("a nasal cannula needs 'flow_l_min' (<= 6 is low-flow, > 6 high-flow)")
        return self


class Medication(InputModel):
    """Therapy after CRS onset that masks fever (Lee 2019: antipyretic or anti-cytokine)."""

    kind: Literal["medication"]
    time: Timestamp
    agent: str = Field(min_length=1)
    category: Literal["antipyretic", "tocilizumab", "corticosteroid", "anti_cytokine"]


class CrsDeath(InputModel):
    kind: Literal["death"]
    time: Timestamp
    due_to_crs: bool


CrsObservation = Annotated[
    Temperature | BloodPressure | Oxygen | Medication | CrsDeath, Field(discriminator="kind")
]
CRS_TAGS = {"temperature", "blood_pressure", "oxygen", "medication", "death"}


class CrsFile(InputModel):
    patient: str | None = None
    infusion: Timestamp | None = None
    observations: list[CrsObservation] = Field(min_length=1)


class IceScore(InputModel):
    """Immune effector Cell-associated Encephalopathy score, 10 points (Lee 2019 Table 5)."""

    orientation: int = Field(ge=0, le=4)
    naming: int = Field(ge=0, le=3)
    commands: int = Field(ge=0, le=1)
    writing: int = Field(ge=0, le=1)
    attention: int = Field(ge=0, le=1)

    @property
    def total(self) -> int:
        return self.orientation + self.naming + self.commands + self.writing + self.attention


class Seizure(InputModel):
    type: Literal["focal", "generalised", "non_convulsive_eeg"]
    duration_min: Decimal | None = Field(default=None, ge=0)
    returns_to_baseline: bool = True


Consciousness = Literal[
    "alert",
    "awakens_spontaneously",
    "awakens_to_voice",
    "awakens_to_tactile",
    "unarousable",
    "stupor",
    "coma",
]
IcpSign = Literal[
    "decerebrate_posturing",
    "decorticate_posturing",
    "cranial_nerve_vi_palsy",
    "papilloedema",
    "cushings_triad",
]


class IcansAssessment(InputModel):
    time: Timestamp
    ice: IceScore | None = None
    ice_unable: Literal["unarousable", "global_aphasia"] | None = None
    capd: int | None = Field(default=None, ge=0, le=32)
    capd_unable: bool = False
    consciousness: Consciousness | None = None
    consciousness_other_cause: bool = False
    seizure: Seizure | None = None
    motor: Literal["none", "hemiparesis", "paraparesis", "tremor", "myoclonus"] = "none"
    cerebral_oedema: Literal["none", "focal", "diffuse"] = "none"
    icp_signs: list[IcpSign] = Field(default_factory=list)
    intracranial_haemorrhage: bool = False
    death_due_to_icans: bool = False

    @model_validator(mode="after")
    def _ice_or_unable(self) -> IcansAssessment:
        if self.ice is not None and self.ice_unable is not None:
            raise ValueError("give either 'ice' (the score) or 'ice_unable', not both")
        adult = self.ice is not None or self.ice_unable is not None
        child = self.capd is not None or self.capd_unable
        if adult and child:
            raise ValueError("give the ICE score (>= 12 y) or the CAPD score (< 12 y), not both")
        if self.capd is not None and self.capd_unable:
            raise ValueError("give either 'capd' or 'capd_unable', not both")
        if self.capd == 0:
            raise ValueError("CAPD 0 is not graded by Lee 2019; give 1-32")
        return self

    @property
    def not_icans(self) -> list[str]:
        """Findings recorded but graded by CTCAE, not ICANS (Lee 2019 Table 6 footnotes)."""
        notes = []
        if self.motor in ("tremor", "myoclonus"):
            notes.append(f"{self.motor} is graded by CTCAE and does not change ICANS")
        if self.intracranial_haemorrhage:
            notes.append("intracranial haemorrhage is excluded from ICANS (graded by CTCAE)")
        if self.consciousness_other_cause and self.consciousness not in (None, "alert"):
            notes.append("depressed consciousness attributed to another cause is not ICANS")
        return notes


class IcansFile(InputModel):
    """A patient's ICANS assessments; the age decides the encephalopathy tool (ICE or CAPD).

    Give ``birth_date`` (age counted at each assessment) or ``age_years`` (one age
    for the whole file), not both; ``developmental_delay`` allows the CAPD from
    age 12 (Lee 2019: CAPD for children < 12 years and older children with
    developmental delay).
    """

    patient: str | None = None
    infusion: Timestamp | None = None
    birth_date: date | None = None
    age_years: int | None = Field(default=None, ge=0, le=130)
    developmental_delay: bool = False
    assessments: list[IcansAssessment] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_age(self) -> IcansFile:
        if self.birth_date is not None and self.age_years is not None:
            raise ValueError("give 'birth_date' or 'age_years', not both")
        return self


def load_crs_file(data: Any, *, source: str | None = None) -> CrsFile:
    """Validate a ``grade-crs`` document (see docs/safety.md)."""
    return parse_input(CrsFile, data, source=source, tags=CRS_TAGS)


def load_icans_file(data: Any, *, source: str | None = None) -> IcansFile:
    """Validate a ``grade-icans`` document (see docs/safety.md)."""
    return parse_input(IcansFile, data, source=source)
