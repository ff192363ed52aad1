"""``/subjects/{id}/product``: apheresis, the product lot, its release and custody hand-offs.

Each form is one service call of :mod:`cartrial.services.product`: the collection's
label must carry the subject's chain-of-identity id (typed or scanned; ISBT 128
style, :mod:`cartrial.services.identity`), the lot enters manufacturing from one
collection, quality release records the viable CAR+ cells, and every hand-off says
who to whom, when, where and in what condition. The bedside check is the infusion
page's (``/subjects/{id}/infusion``). Times are on the site's clock.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import DuplicateError, InputError, InvalidTransition
from cartrial.services import product, read, site_view
from cartrial.services.access import authorize
from cartrial.services.site_view import SubjectAtSite
from cartrial.store.models import utcnow
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.subject_form import SubjectForm
from cartrial.web.pages.times import local_input, parse_local

router = APIRouter(route_class=PageRoute)
ACTIONS = ("apheresis", "lot", "release", "custody")


def _context(
    sessions: Any, user: PageUser, subject: SubjectAtSite, _values: dict[str, str]
) -> dict[str, Any]:
    collections, _n = read.list_apheresis(sessions, actor=user.actor, subject_id=subject.id)
    lots, _m = read.list_lots(sessions, actor=user.actor, subject_id=subject.id)
    custody = {
        lot.id: read.list_custody(sessions, actor=user.actor, lot_id=lot.id)[0] for lot in lots
    }
    return {
        "collections": collections,
        "lots": lots,
        "custody": custody,
        "now": local_input(utcnow(), subject.clock),
    }


FORM = SubjectForm("web_product.html.j2", "Product of {code}", context=_context)


@router.get("/subjects/{subject_id}/product", include_in_schema=False)
async def product_page(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await FORM.show(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/product/{action}", include_in_schema=False)
async def product_action(
    request: Request, subject_id: str, action: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "product.record")

    def act() -> None:
        subject = site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)
        if action == "apheresis":
            product.record_apheresis(
                sessions,
                actor=user.actor,
                subject_id=subject_id,
                collection_id=values.get("collection_id", "").strip(),
                chain_of_identity_id=values.get("label", "").strip(),
                collected_at=parse_local(values.get("at", ""), subject.clock, field="at"),
            )
        elif action == "lot":
            product.register_lot(
                sessions,
                actor=user.actor,
                apheresis_id=values.get("apheresis_id", ""),
                lot_number=values.get("lot_number", "").strip(),
            )
        elif action == "release":
            cells = values.get("viable_car_cells", "").replace(",", "").strip()
            if not cells.isdigit():
                raise InputError("viable_car_cells", cells, "a whole number of viable CAR+ cells")
            product.release_lot(
                sessions,
                actor=user.actor,
                lot_id=values.get("lot_id", ""),
                viable_car_cells=int(cells),
                is_released=values.get("decision") == "release",
                note=values.get("note", "").strip() or "no note",
            )
        elif action == "custody":
            product.record_custody(
                sessions,
                actor=user.actor,
                lot_id=values.get("lot_id", ""),
                at=parse_local(values.get("at", ""), subject.clock, field="at"),
                from_party=values.get("from_party", "").strip(),
                to_party=values.get("to_party", "").strip(),
                location=values.get("location", "").strip(),
                condition=values.get("condition", "").strip(),
            )
        else:
            raise InputError("action", action, "one of " + ", ".join(ACTIONS))

    try:
        await run_in_threadpool(act)
    except (InputError, DuplicateError, InvalidTransition) as exc:
        errors = {action: str(exc)}
        if isinstance(exc, InputError):
            errors[f"{action}.{exc.field}"] = str(exc)
        return await FORM.show(
            request,
            sessions,
            user,
            subject_id,
            {"form": action, **values},
            errors=errors,
            status_code=422 if isinstance(exc, InputError) else 409,
        )
    return RedirectResponse(f"/subjects/{subject_id}/product", status_code=303)
