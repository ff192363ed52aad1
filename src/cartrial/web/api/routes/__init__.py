"""All routes of ``/api/v1``: each parses input, calls one service, renders the result."""

from fastapi import APIRouter

from cartrial.web.api.routes import (
    audit,
    auth,
    casebook,
    clinical,
    course,
    followup,
    product,
    protocols,
    queries,
    safety,
    subjects,
    tumour,
    users,
    visits,
)

router = APIRouter()
router.include_router(auth.router)
router.include_router(subjects.router)
router.include_router(clinical.router)
router.include_router(visits.router)
router.include_router(followup.router)
router.include_router(tumour.router)
router.include_router(course.router)
router.include_router(product.router)
router.include_router(queries.router)
router.include_router(safety.router)
router.include_router(audit.router)
router.include_router(users.router)
router.include_router(protocols.router)
router.include_router(casebook.router)

__all__ = ["router"]
