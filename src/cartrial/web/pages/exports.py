"""``/exports``: copies of the records for the roles allowed, each an audited export.

- A subject's casebook (every role, :mod:`cartrial.services.casebook`): the printable
  page of ``/subjects/{id}/casebook``, whose taking writes the ``export`` entry.
- The site's follow-up records as ODM 1.3.2 (``data.export``:
  :func:`cartrial.services.exchange.export_follow_up_odm`, the export of ``cartrial odm
  export`` scoped to the user's site, with its ``export`` audit entry, source ``web``).
- The study report and the CDISC SDTM/ADaM packages (``report.produce``): the commands to
  run. They read and analyse the whole trial (issue 15's target is 20 s for the report,
  issue 16's budget 10 s for SDTM + ADaM + define.xml on the 87-patient trial) and write
  a folder of files, which is a job for the command line, not a page request that would
  hold a server worker that long.

Audit: TRIAL_DATA.md section 1.6 row 5 (``export`` is an audited action, with its source).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import InputError, NotFoundError
from cartrial.services import admin, exchange, read
from cartrial.services.access import authorize
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, SignedIn, posted_form, user_site
from cartrial.web.pages.render import page
from cartrial.web.pages.security import security_headers

router = APIRouter(route_class=PageRoute)

#: The commands for the analyses of the whole trial (module doc), with what each writes.
COMMANDS = (
    (
        "Study report",
        "cartrial report --db trial.db --out out/report --pdf",
        "report.html and report.pdf: every endpoint as numbered tables, listings and figures",
    ),
    (
        "SDTM package",
        "cartrial cdisc sdtm --db trial.db --out out/sdtm",
        "the SDTM datasets (XPT and Dataset-JSON), define.xml and the mapping log",
    ),
    (
        "ADaM package",
        "cartrial cdisc adam --sdtm out/sdtm --out out/adam",
        "ADSL, ADAE, ADRS, ADTTE and the others from the SDTM files, with define.xml",
    ),
)


@router.get("/exports", include_in_schema=False)
async def exports_page(request: Request, sessions: SessionsDep, user: SignedIn) -> Response:
    def read_all() -> tuple[list[str], int, list[object]]:
        subjects, total = read.list_subjects(sessions, actor=user.actor, limit=200)
        versions, _n = admin.list_protocol_versions(sessions, actor=user.actor, limit=200)
        return [s.code for s in subjects], total, list(versions)

    codes, total, versions = await run_in_threadpool(read_all)
    return page(
        request,
        "web_exports.html.j2",
        title="Exports and reports",
        user=user,
        site=await user_site(sessions, user),
        codes=codes,
        total=total,
        versions=versions,
        commands=COMMANDS,
    )


@router.get("/exports/casebook", include_in_schema=False)
async def casebook_of(sessions: SessionsDep, user: SignedIn, code: str = "") -> Response:
    """The casebook of the subject with this code (in the user's scope, else the 404 page)."""
    code = code.strip()[:40]
    if not code:
        raise InputError("code", code, "a subject's code")
    found, _n = await run_in_threadpool(
        lambda: read.list_subjects(sessions, actor=user.actor, code=code, limit=2)
    )
    if len(found) != 1:
        raise NotFoundError("subject", code)
    return RedirectResponse(f"/subjects/{found[0].id}/casebook", status_code=303)


@router.post("/exports/odm", include_in_schema=False)
async def odm_export(request: Request, sessions: SessionsDep, user: SignedIn) -> Response:
    """The site's follow-up records as an ODM 1.3.2 file (an audited export, source web)."""
    values = await posted_form(request, user)
    authorize(user.actor, "data.export")
    taken = await run_in_threadpool(
        lambda: exchange.export_follow_up_odm(
            sessions,
            actor=user.actor,
            protocol_version_id=values.get("protocol_version_id", ""),
            source="web",
        )
    )
    headers = {
        **security_headers(),
        "Content-Disposition": f'attachment; filename="{taken.filename}"',
    }
    return Response(taken.document, media_type="application/xml", headers=headers)
