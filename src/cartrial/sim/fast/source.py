"""What the design-level simulation needs of a patient model.

:class:`PatientSource` is the narrow interface: draw ``n`` virtual patients
with no dose from a generator, recompute their exposure-dependent fields at a
dose, the accrual rate and the per-lesion measurement error. The scenario
patient model (:mod:`cartrial.sim.model`) is adapted to it by
:func:`scenario_source`; tests pass hand-built sources with known truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from cartrial.sim.model import at_dose, draw_patients
from cartrial.sim.patients import VirtualPatients
from cartrial.sim.scenario import Scenario

__all__ = ["PatientSource", "ScenarioSource"]

Dose = NDArray[np.float64] | float


class PatientSource(Protocol):
    """A patient model as the fast path uses it (picklable, for worker processes)."""

    @property
    def accrual_per_month(self) -> float:
        """Patients consented (screened) per month, a Poisson process."""
        ...

    @property
    def lesion_sd_mm(self) -> float:
        """SD of the renderer's measurement error of one target lesion's diameter."""
        ...

    def draw(self, rng: np.random.Generator, n: int) -> VirtualPatients:
        """``n`` patients in screening order, with no dose yet."""
        ...

    def at_dose(self, patients: VirtualPatients, dose_cells_per_kg: Dose) -> VirtualPatients:
        """``patients`` with every exposure-dependent field recomputed at the dose(s)."""
        ...


@dataclass(frozen=True)
class ScenarioSource:
    """A scenario's patient model (:mod:`cartrial.sim.model`) as a :class:`PatientSource`.

    Accrual (patients consented and screened per month) is
    ``operations.accrual_per_month_per_site`` times ``n_sites``; the
    measurement error is ``tumour.lesion_measurement_sd_mm``.
    """

    scenario: Scenario

    @property
    def accrual_per_month(self) -> float:
        ops = self.scenario.operations
        return float(ops.accrual_per_month_per_site.value * ops.n_sites.value)

    @property
    def lesion_sd_mm(self) -> float:
        return float(self.scenario.tumour.lesion_measurement_sd_mm.value)

    def draw(self, rng: np.random.Generator, n: int) -> VirtualPatients:
        return draw_patients(self.scenario, rng, n)

    def at_dose(self, patients: VirtualPatients, dose_cells_per_kg: Dose) -> VirtualPatients:
        return at_dose(patients, np.asarray(dose_cells_per_kg, dtype=np.float64), self.scenario)
