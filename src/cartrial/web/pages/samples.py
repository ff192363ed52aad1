"""``/subjects/{id}/samples``: a sample drawn (type, time, nominal time point) and an
assay result on it (value with its unit and LLOQ, or BLQ).

Recording a sample is :func:`cartrial.services.followup.record_sample` (the sample's
analyte from :data:`cartrial.vocabulary.ASSAYS`, collected on the site's clock, its
nominal study day); a result is :func:`cartrial.services.followup.record_assay_result`,
whose unit, LLOQ and BLQ rules are :func:`cartrial.services.assays.check_assay_result`
(the kinetics and biomarker engines' unit tables): a refusal is shown by its field in
those words. "Below the LLOQ" stores the result as the laboratory writes it, ``<LLOQ``
(or ``BLQ`` without an LLOQ), which the kinetics engine reads as BLQ.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from cartrial.errors import InputError
from cartrial.services import followup, read
from cartrial.services.assays import assay_units, is_blq
from cartrial.services.site_view import SubjectAtSite
from cartrial.store.models import utcnow
from cartrial.vocabulary import ASSAYS
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn
from cartrial.web.pages.subject_form import SubjectForm, decimal_field
from cartrial.web.pages.times import local_input, parse_local

router = APIRouter(route_class=PageRoute)

#: The sample types a site draws: (analyte, matrix, what it is for).
SAMPLE_TYPES = (
    ("car_transgene_qpcr", "blood", "CAR transgene copies/ug gDNA by qPCR"),
    ("car_t_flow", "blood", "CAR+ T cells/uL by flow cytometry"),
    ("cytokines", "serum", "serum cytokines (IL-6, IFN-γ, ...)"),
    ("anti_drug_antibody", "serum", "anti-CAR antibodies (positive / negative)"),
)
MATRICES = ("blood", "bone_marrow", "serum", "plasma", "csf")


def _context(
    sessions: Any, user: PageUser, subject: SubjectAtSite, values: dict[str, str]
) -> dict[str, Any]:
    values.setdefault("collected_at", local_input(utcnow(), subject.clock))
    samples, _n = read.list_samples(sessions, actor=user.actor, subject_id=subject.id, limit=200)
    results, _m = read.list_assay_results(
        sessions, actor=user.actor, subject_id=subject.id, limit=200
    )
    by_sample: dict[str, list[Any]] = {}
    for result in results:
        by_sample.setdefault(result.sample_id, []).append(result)
    return {
        "samples": samples,
        "results": by_sample,
        "is_blq": is_blq,
        "types": SAMPLE_TYPES,
        "matrices": MATRICES,
        "units": assay_units(),
        "when": lambda at: local_input(at, subject.clock).replace("T", " "),
    }


FORM = SubjectForm("web_samples.html.j2", "Samples of {code}", context=_context, done="/samples")


@router.get("/subjects/{subject_id}/samples", include_in_schema=False)
async def samples_page(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    """Every role reads the samples; the forms are there for site staff."""
    return await FORM.show(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/samples", include_in_schema=False)
async def sample_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    def store(subject: SubjectAtSite, values: dict[str, str]) -> None:
        analyte = values.get("analyte", "")
        if analyte not in ASSAYS:
            raise InputError("analyte", analyte, "one of " + ", ".join(ASSAYS))
        code = values.get("sample_code", "").strip()
        if not code:
            raise InputError("sample_code", code, "the code on the tube's label")
        day = values.get("study_day", "").strip()
        if day and not day.lstrip("-").isdigit():
            raise InputError("study_day", day, "the nominal study day, a whole number such as 7")
        followup.record_sample(
            sessions,
            actor=user.actor,
            subject_id=subject_id,
            sample_code=code,
            analyte=analyte,
            matrix=values.get("matrix", "").strip() or "blood",
            collected_at=parse_local(
                values.get("collected_at", ""), subject.clock, field="collected_at"
            ),
            study_day=int(day) if day else None,
        )

    return await FORM.save(request, sessions, user, subject_id, store)


def result_of(values: dict[str, str]) -> dict[str, Any]:
    """The result's fields as typed; "below the LLOQ" is written ``<LLOQ`` (or ``BLQ``)."""
    value = decimal_field(values, "value")
    lloq = decimal_field(values, "lloq")
    text = values.get("result_text", "").strip() or None
    if values.get("blq") == "yes":
        if value is not None:
            raise InputError(
                "value", str(value), "no value for a result below the LLOQ (BLQ ticked)"
            )
        text = f"<{lloq}" if lloq is not None else "BLQ"
    return {
        "test": values.get("test", "").strip(),
        "value": value,
        "unit": values.get("unit", "").strip() or None,
        "lloq": lloq,
        "result_text": text,
    }


@router.post("/subjects/{subject_id}/samples/results", include_in_schema=False)
async def result_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    def store(subject: SubjectAtSite, values: dict[str, str]) -> None:
        sample_id = values.get("sample_id", "")
        samples, _n = read.list_samples(
            sessions, actor=user.actor, subject_id=subject.id, limit=200
        )
        if sample_id not in {s.id for s in samples}:
            raise InputError("sample_id", sample_id, f"a sample of {subject.code}")
        followup.record_assay_result(
            sessions, actor=user.actor, sample_id=sample_id, **result_of(values)
        )

    return await FORM.save(request, sessions, user, subject_id, store)
