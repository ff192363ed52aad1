"""DLT adjudication (investigator, safety committee) and the escalation decision (committee).

- ``/subjects/{id}/dlt``: the DLT engine's verdict with its rule and reason
  (:func:`cartrial.services.adjudication.dlt_outlook`), the signed adjudications so
  far; sign the engine's verdict, or a different outcome with its reason
  (:func:`~cartrial.services.adjudication.investigator_verdict`), the password
  re-entered and the meaning "I adjudicate this DLT" shown (21 CFR 11.50, 11.200).
- ``/escalation``: per protocol version, the cohort table (treated, DLTs, pending
  windows per level) and the live engine's recommendation with its rule
  (:func:`cartrial.services.enrolment.escalation_outlook`); the committee signs it,
  or records a different action with its reason
  (:func:`cartrial.services.safety.record_escalation_decision`; ``stop`` holds
  enrolment).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial import __version__
from cartrial.errors import AuthenticationError, InputError
from cartrial.services import adjudication, admin, enrolment, read, safety, site_view
from cartrial.services.access import authorize
from cartrial.vocabulary import DLT_OUTCOMES, ESCALATION_ACTIONS, SIGNATURE_MEANINGS
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form, user_site
from cartrial.web.pages.render import page, site_label

router = APIRouter(route_class=PageRoute)


async def _dlt_page(
    request: Request,
    sessions: Any,
    user: PageUser,
    subject_id: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    def read_all() -> dict[str, Any]:
        subject = site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)
        verdict = adjudication.dlt_outlook(sessions, actor=user.actor, subject_id=subject_id)
        signed, _n = read.list_dlt_adjudications(sessions, actor=user.actor, subject_id=subject_id)
        return {"subject": subject, "verdict": verdict, "signed": signed}

    context = await run_in_threadpool(read_all)
    return page(
        request,
        "web_dlt.html.j2",
        status_code=status_code,
        title=f"DLT adjudication of {context['subject'].code}",
        user=user,
        site=site_label(context["subject"].site_code, context["subject"].time_zone),
        outcomes=DLT_OUTCOMES,
        meaning=SIGNATURE_MEANINGS["dlt"],
        values=values or {},
        error=error,
        **context,
    )


@router.get("/subjects/{subject_id}/dlt", include_in_schema=False)
async def dlt_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await _dlt_page(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/dlt", include_in_schema=False)
async def dlt_sign(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "dlt.adjudicate")

    def sign() -> None:
        verdict = None
        outcome = values.get("outcome", "")
        if outcome:
            engine = adjudication.dlt_outlook(sessions, actor=user.actor, subject_id=subject_id)
            if outcome != engine.outcome or values.get("reason", "").strip():
                verdict = adjudication.investigator_verdict(
                    engine, outcome=outcome, reason=values.get("reason", "")
                )
        adjudication.adjudicate_dlt(
            sessions,
            actor=user.actor,
            subject_id=subject_id,
            password=values.get("password", ""),
            verdict=verdict,
        )

    try:
        await run_in_threadpool(sign)
    except (AuthenticationError, InputError) as exc:
        return await _dlt_page(
            request, sessions, user, subject_id, values=values, error=str(exc), status_code=422
        )
    return RedirectResponse(f"/subjects/{subject_id}/dlt", status_code=303)


async def _escalation_page(
    request: Request,
    sessions: Any,
    user: PageUser,
    version_id: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    def read_all() -> dict[str, Any]:
        versions, _n = admin.list_protocol_versions(sessions, actor=user.actor, limit=200)
        chosen = version_id or (versions[-1].id if versions else "")
        protocol, decision, problem = None, None, ""
        if chosen:
            try:
                protocol, decision = enrolment.escalation_outlook(
                    sessions, actor=user.actor, protocol_version_id=chosen
                )
            except InputError as exc:
                problem = str(exc)
        decided, _m = read.list_escalation_decisions(
            sessions, actor=user.actor, protocol_id=protocol.id if protocol else None
        )
        return {
            "versions": versions,
            "chosen": chosen,
            "protocol": protocol,
            "decision": decision,
            "decided": decided,
            "problem": problem,
        }

    context = await run_in_threadpool(read_all)
    return page(
        request,
        "web_escalation.html.j2",
        status_code=status_code,
        title="Escalation decision",
        user=user,
        site=await user_site(sessions, user),
        actions=ESCALATION_ACTIONS,
        meaning=SIGNATURE_MEANINGS["escalation"],
        values=values or {},
        error=error,
        **context,
    )


@router.get("/escalation", include_in_schema=False)
async def escalation_page(
    request: Request, sessions: SessionsDep, user: SignedIn, version: str = ""
) -> Response:
    return await _escalation_page(request, sessions, user, version[:36])


@router.post("/escalation", include_in_schema=False)
async def escalation_sign(request: Request, sessions: SessionsDep, user: SignedIn) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "escalation.decide")
    version_id = values.get("version", "")

    def sign() -> None:
        protocol, engine = enrolment.escalation_outlook(
            sessions, actor=user.actor, protocol_version_id=version_id
        )
        action = values.get("action", "") or engine.action
        reason = values.get("reason", "").strip()
        next_level = engine.next_level
        if action != engine.action:
            if not reason:
                raise InputError(
                    "reason", reason, "the reason for an action other than the engine's"
                )
            raw = values.get("next_level", "").strip()
            if raw and not raw.isdigit():
                raise InputError("next_level", raw, "a dose level number")
            next_level = int(raw) if raw else None
            reason = f"committee's decision {action}: {reason} (engine: {engine.reason})"
        else:
            reason = engine.reason + (f"; committee: {reason}" if reason else "")
        safety.record_escalation_decision(
            sessions,
            actor=user.actor,
            protocol_id=protocol.id,
            outcome=safety.EscalationOutcome(
                current_level=engine.current_level
                if engine.current_level is not None
                else (engine.next_level or 0),
                action=action,
                next_level=next_level,
                reason=reason,
                engine_version=f"{enrolment.ESCALATION_ENGINE} {__version__} ({engine.design})",
            ),
            password=values.get("password", ""),
        )

    try:
        await run_in_threadpool(sign)
    except (AuthenticationError, InputError) as exc:
        return await _escalation_page(
            request, sessions, user, version_id, values=values, error=str(exc), status_code=422
        )
    return RedirectResponse(f"/escalation?version={version_id}", status_code=303)
