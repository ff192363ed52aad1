"""Literal record builders for the response tests (inputs only; never expected outputs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from cartrial.response.lesions import SubjectAssessments, parse_subject

REFERENCE = dt.date(2026, 1, 12)
BASELINE = dt.date(2026, 1, 5)


def tgt(lesion_id: str, organ: str, size: str | int, *, nodal: bool = False) -> dict[str, Any]:
    return {
        "id": lesion_id,
        "organ": organ,
        "role": "target",
        "nodal": nodal,
        "value": str(size),
        "unit": "mm",
    }


def nt(lesion_id: str, organ: str, *, nodal: bool = False) -> dict[str, Any]:
    return {"id": lesion_id, "organ": organ, "role": "non_target", "nodal": nodal}


def visit(
    day: int,
    observations: dict[str, str | int | Decimal],
    *,
    new: list[dict[str, Any]] | None = None,
    markers_normal: bool | None = None,
) -> dict[str, Any]:
    records: list[dict[str, Any]] = []
    for lesion_id, what in observations.items():
        if isinstance(what, str) and not what[0].isdigit():
            records.append({"lesion_id": lesion_id, "status": what})
        else:
            records.append({"lesion_id": lesion_id, "value": str(what), "unit": "mm"})
    out: dict[str, Any] = {
        "date": (REFERENCE + dt.timedelta(days=day)).isoformat(),
        "lesions": records,
        "new_lesions": new or [],
    }
    if markers_normal is not None:
        out["tumour_markers_normal"] = markers_normal
    return out


def subject(lesions: list[dict[str, Any]], visits: list[dict[str, Any]]) -> SubjectAssessments:
    return parse_subject(
        {
            "subject_id": "S-001",
            "baseline_date": BASELINE.isoformat(),
            "reference_date": REFERENCE.isoformat(),
            "lesions": lesions,
            "assessments": visits,
        }
    )
