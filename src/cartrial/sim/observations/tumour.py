"""Tumour assessments: RECIST 1.1 baseline lesions and their measurements at the scan days.

Baseline (RECIST 1.1, Eisenhauer EA et al., Eur J Cancer 2009;45:228-247,
sections 3.2-3.3 and 4.2): ``n_target_lesions`` target lesions (<= 5, at most 2
per organ), each >= 10 mm longest diameter, lymph nodes >= 15 mm short axis;
their sum is the latent baseline SLD (raised where the minimum sizes need it);
one or two non-target lesions. The baseline scan is ``baseline_day`` (default
-14) before the infusion.

Follow-up, at each scan day while the patient is followed: each target's
diameter = baseline diameter x the patient's SLD ratio of the g-d model
(Stein WD et al., Clin Cancer Res 2011;17:907-917; Wilkerson J et al., Lancet
Oncol 2017;18:143-154) ``SLD(t)/SLD0 = exp(-d t) + exp(g t) - 1``, times a
lesion-level scatter ``exp(u)``, ``u ~ N(0, lesion_scatter_sd^2)``, plus an
additive measurement error ``N(0, measurement_sd_mm^2)`` (default 2 mm per
lesion when the scenario gives none), rounded to 1 mm and never negative. A
non-nodal target under 5 mm is recorded "too small" (RECIST 1.1 section 3.3.2:
the engine counts 5 mm), or "disappeared" when its true size is under 1 mm;
a node keeps its short axis (it is normal below 10 mm). Non-targets are
"present", "absent" once every target has disappeared. From the first scan on
or after the latent ``new_lesion_day`` a new lesion is recorded (RECIST 1.1
section 4.3.5: unequivocal new lesion = progression).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from cartrial.protocol.model import Protocol
from cartrial.services.tumour import LesionInput
from cartrial.sim.observations._common import PatientRow, num, whole

__all__ = [
    "DEFAULT_MEASUREMENT_SD_MM",
    "LESION_SCATTER_SD",
    "TumourScan",
    "sld_ratio",
    "tumour_assessments",
]

DEFAULT_MEASUREMENT_SD_MM = 2.0
#: SD of the lesion-level scatter ``u`` (log scale) around the patient's SLD ratio.
LESION_SCATTER_SD = 0.1
_TOO_SMALL_MM = 5.0
_ORGANS = ("liver", "lung", "peritoneum", "lymph node", "pleura", "adrenal gland")
_FIRST_SCAN_DAY = 42


@dataclass(frozen=True)
class TumourScan:
    """Arguments of ``tumour.record_tumour_assessment`` for one imaging time point."""

    assessed_on: dt.date
    method: str
    lesions: tuple[LesionInput, ...]


def sld_ratio(row: PatientRow, day: float) -> float:
    """``SLD(t)/SLD0 = exp(-d t) + exp(g t) - 1`` of the latent g-d model (never below 0)."""
    g = num(row, "tumour_growth_per_day")
    d = num(row, "tumour_decay_per_day")
    return max(0.0, math.exp(-d * day) + math.exp(g * day) - 1.0)


@dataclass(frozen=True)
class _Target:
    code: str
    organ: str
    nodal: bool
    baseline_mm: int


def _targets(row: PatientRow, rng: np.random.Generator) -> list[_Target]:
    n = min(5, max(1, whole(row, "n_target_lesions")))
    organs = [str(o) for o in rng.permutation(_ORGANS)]
    placed = [organs[i // 2] for i in range(n)]  # <= 2 per organ
    minimum = np.array([15.0 if o == "lymph node" else 10.0 for o in placed])
    weights = rng.dirichlet(np.full(n, 4.0))
    spare = max(0.0, num(row, "baseline_sld_mm") - float(minimum.sum()))
    sizes = minimum + weights * spare
    return [
        _Target(f"T{i + 1}", organ, organ == "lymph node", max(int(minimum[i]), round(sizes[i])))
        for i, organ in enumerate(placed)
    ]


def _scan_days(protocol: Protocol) -> list[int]:
    days = [v.day for v in protocol.visits if v.day >= _FIRST_SCAN_DAY]
    return days or [42, 56, 90, 180, 270, 365, 545, 730]


def tumour_assessments(
    row: PatientRow,
    protocol: Protocol,
    infusion_date: dt.date,
    rng: np.random.Generator,
    *,
    measurement_sd_mm: float = DEFAULT_MEASUREMENT_SD_MM,
    lesion_scatter_sd: float = LESION_SCATTER_SD,
    scan_days: Sequence[int] | None = None,
    baseline_day: int = -14,
    method: str = "ct",
) -> list[TumourScan]:
    """The baseline scan and every follow-up scan before death, withdrawal or loss."""
    targets = _targets(row, rng)
    n_non_targets = int(rng.integers(1, 3))
    non_target_organs = [
        o for o in ("bone", "pleura", "peritoneum") if o not in {t.organ for t in targets}
    ]
    non_targets = [
        (f"NT{i + 1}", non_target_organs[i % len(non_target_organs)]) for i in range(n_non_targets)
    ]
    baseline = [
        LesionInput(t.code, "target", t.organ, Decimal(t.baseline_mm), is_nodal=t.nodal)
        for t in targets
    ] + [LesionInput(code, "non_target", organ) for code, organ in non_targets]
    scans = [TumourScan(infusion_date + dt.timedelta(days=baseline_day), method, tuple(baseline))]
    end = min(num(row, "death_day"), num(row, "withdrawal_day"), num(row, "lost_to_follow_up_day"))
    new_day = num(row, "new_lesion_day")
    for day in scan_days if scan_days is not None else _scan_days(protocol):
        if day >= end:
            break
        ratio = sld_ratio(row, day)
        lesions: list[LesionInput] = []
        gone = 0
        for t in targets:
            true_mm = (
                t.baseline_mm
                * ratio
                * math.exp(rng.normal(0.0, lesion_scatter_sd) if lesion_scatter_sd else 0.0)
            )
            measured = max(
                0,
                round(true_mm + (rng.normal(0.0, measurement_sd_mm) if measurement_sd_mm else 0.0)),
            )
            if t.nodal:
                lesions.append(
                    LesionInput(t.code, "target", t.organ, Decimal(measured), is_nodal=True)
                )
                gone += measured < 10
            elif true_mm < 1.0:
                lesions.append(LesionInput(t.code, "target", t.organ, status="disappeared"))
                gone += 1
            elif measured < _TOO_SMALL_MM:
                lesions.append(LesionInput(t.code, "target", t.organ, status="too_small"))
            else:
                lesions.append(LesionInput(t.code, "target", t.organ, Decimal(measured)))
        status = "absent" if gone == len(targets) else "present"
        lesions += [
            LesionInput(code, "non_target", organ, status=status) for code, organ in non_targets
        ]
        if day >= new_day:
            lesions.append(LesionInput("N1", "new", "liver", Decimal(12)))
        scans.append(TumourScan(infusion_date + dt.timedelta(days=day), method, tuple(lesions)))
    return scans
