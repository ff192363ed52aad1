"""A protocol's trial records read in one snapshot, as the SDTM builders' input.

:func:`read_sdtm_source` reads every table the SDTM domains map, restricted to the
subjects of one protocol, in one read-only snapshot
(:func:`cartrial.services.context.snapshot`, as the trial summary and the casebook
do), and attaches what the existing services already derive, wired the way they
wire it:

- RECIST 1.1 time points and best overall response: each infused subject's
  :func:`cartrial.services.tumour.subject_assessments` (the one lesion wiring)
  through :func:`cartrial.response.assess.assess_recist` with the protocol's
  response settings (the call :func:`cartrial.services.tumour.derive_responses`
  makes);
- NCA of the CAR transgene: :func:`cartrial.services.trial_kinetics.kinetics_samples`
  and :func:`~cartrial.services.trial_kinetics.kinetics_long_table` (the trial
  summary's profiles and NCA settings, every interval as a PP code);
- lab grades (CTCAE v5.0) and AE grades (ASTCT 2019 for CRS/ICANS, CTCAE v5.0
  otherwise) are the derivations the services stored with each record
  (``derived_grade``), never re-derived here.

Tables come back as pandas frames (one column per stored column) so the domain
builders in :mod:`cartrial.cdisc.sdtm` are pure and vectorised. A subject without an
active data lock is named in :attr:`SdtmSource.unlocked` (an unlocked data cut).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.errors import InputError, NotFoundError
from cartrial.protocol.model import Protocol
from cartrial.response.assess import SubjectRecist, assess_recist
from cartrial.response.settings import settings_from_protocol
from cartrial.services.admin import protocol_of_version
from cartrial.services.context import Sessions, snapshot
from cartrial.services.trial_kinetics import kinetics_long_table, kinetics_samples
from cartrial.services.tumour import subject_assessments
from cartrial.store.models import (
    AdverseEvent,
    Apheresis,
    AssayResult,
    ConMed,
    CustodyEvent,
    DataLock,
    Death,
    DltAdjudication,
    EligibilityDecision,
    Infusion,
    LabResult,
    LesionMeasurement,
    LymphodepletionDose,
    ProductLot,
    ProtocolVersion,
    Sample,
    ScreeningEntry,
    Site,
    Subject,
    TumourAssessment,
    Visit,
    VitalSign,
    Withdrawal,
    utcnow,
)

__all__ = ["SdtmSource", "read_sdtm_source"]

#: table name -> model, read for the protocol's subjects (``subject_id`` column)
_BY_SUBJECT: dict[str, Any] = {
    "screening": ScreeningEntry,
    "infusion": Infusion,
    "lymphodepletion_dose": LymphodepletionDose,
    "apheresis": Apheresis,
    "product_lot": ProductLot,
    "visit": Visit,
    "vital_sign": VitalSign,
    "lab_result": LabResult,
    "adverse_event": AdverseEvent,
    "con_med": ConMed,
    "death": Death,
    "withdrawal": Withdrawal,
    "tumour_assessment": TumourAssessment,
    "lesion_measurement": LesionMeasurement,
    "sample": Sample,
    "assay_result": AssayResult,
    "dlt_adjudication": DltAdjudication,
    "data_lock": DataLock,
    "eligibility_decision": EligibilityDecision,
}


@dataclass(frozen=True)
class SdtmSource:
    """What the SDTM builders read: the protocol, the subjects and their records."""

    protocol: Protocol
    protocol_version: str
    data_cut: dt.datetime
    subjects: pd.DataFrame
    """One row per subject: the stored subject, its site (code, time zone) and the
    screening record's fields (consent_date, birth_date, sex, tumour_type, record)."""
    tables: dict[str, pd.DataFrame]
    custody: pd.DataFrame
    recist: dict[str, SubjectRecist] = field(default_factory=dict)
    """subject id -> the response engine's result (infused subjects with a baseline)."""
    nca: pd.DataFrame | None = None
    """The NCA long table of :func:`kinetics_long_table`: one row per profile, interval
    and parameter code (subject = subject code)."""
    unlocked: tuple[str, ...] = ()
    """Codes of subjects without an active data lock at the read."""


def _frame(session: Session, table: Any, where: Any) -> pd.DataFrame:
    result = session.execute(select(table).where(where))
    rows = result.all()
    return pd.DataFrame.from_records(rows, columns=[c.name for c in table.columns])


def _protocol(session: Session, protocol_id: str | None) -> tuple[ProtocolVersion, Protocol]:
    ids = sorted(set(session.scalars(select(ProtocolVersion.protocol_id))))
    if protocol_id is None:
        if len(ids) != 1:
            raise InputError(
                "protocol_id",
                None,
                "the protocol to export (the database holds " + str(ids) + ")",
            )
        protocol_id = ids[0]
    version = session.scalars(
        select(ProtocolVersion)
        .where(ProtocolVersion.protocol_id == protocol_id)
        .order_by(ProtocolVersion.registered_at.desc(), ProtocolVersion.id)
        .limit(1)
    ).first()
    if version is None:
        raise NotFoundError("protocol", protocol_id)
    return version, protocol_of_version(version)


def _screening_fields(subjects: pd.DataFrame, screening: pd.DataFrame) -> pd.DataFrame:
    latest = screening.sort_values("entered_at").drop_duplicates("subject_id", keep="last")
    records = {
        sid: json.loads(text)
        for sid, text in zip(latest.subject_id, latest.record_json, strict=False)
    }
    out = subjects.copy()
    out["record"] = [records.get(sid) for sid in out["id"]]
    out["screened_at"] = out["id"].map(
        dict(zip(latest.subject_id, latest.entered_at, strict=False))
    )

    def pick(rec: dict[str, Any] | None, *path: str) -> Any:
        value: Any = rec
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    out["consent_date"] = [pick(r, "consent_date") for r in out["record"]]
    out["birth_date"] = [pick(r, "birth_date") for r in out["record"]]
    out["sex"] = [pick(r, "sex") for r in out["record"]]
    out["tumour_type"] = [pick(r, "diagnosis", "tumour_type") for r in out["record"]]
    return out


def read_sdtm_source(
    sessions: Sessions, protocol_id: str | None = None, *, as_of: dt.datetime | None = None
) -> SdtmSource:
    """Every record of ``protocol_id``'s subjects in one snapshot (module doc).

    ``protocol_id`` may be left out when the database holds one protocol; ``as_of``
    (default now) is the data cut named in the output.
    """
    cut = as_of or utcnow()
    with snapshot(sessions) as session:
        version, protocol = _protocol(session, protocol_id)
        ids = (
            select(Subject.id)
            .join(ProtocolVersion, ProtocolVersion.id == Subject.protocol_version_id)
            .where(ProtocolVersion.protocol_id == version.protocol_id)
        )
        subject_rows = session.scalars(
            select(Subject).where(Subject.id.in_(ids)).order_by(Subject.code)
        ).all()
        subjects = _frame(session, Subject.__table__, Subject.id.in_(ids)).sort_values("code")
        if subjects.empty:
            raise InputError(
                "protocol_id",
                version.protocol_id,
                "a protocol with at least one subject in the database (nothing to export)",
            )
        sites = _frame(session, Site.__table__, Site.id.in_(subjects["site_id"].unique().tolist()))
        subjects = subjects.merge(
            sites[["id", "code", "time_zone"]].rename(
                columns={"id": "site_id", "code": "site_code"}
            ),
            on="site_id",
            how="left",
        ).reset_index(drop=True)
        tables = {
            name: _frame(session, model.__table__, model.__table__.c.subject_id.in_(ids))
            for name, model in _BY_SUBJECT.items()
        }
        lots = tables["product_lot"]["id"].tolist()
        aph = tables["apheresis"]["id"].tolist()
        custody = _frame(
            session,
            CustodyEvent.__table__,
            CustodyEvent.lot_id.in_(lots) | CustodyEvent.apheresis_id.in_(aph),
        )
        infusions = {
            i.subject_id: i
            for i in session.scalars(select(Infusion).where(Infusion.subject_id.in_(ids)))
        }
        settings = settings_from_protocol(protocol.response)
        recist: dict[str, SubjectRecist] = {}
        for subject in subject_rows:
            if subject.id not in infusions:
                continue
            found = subject_assessments(session, subject)
            if found is not None:
                recist[subject.id] = assess_recist(found, settings=settings)
        nca = kinetics_long_table(kinetics_samples(session, subject_rows, infusions))
    subjects = _screening_fields(subjects, tables["screening"])
    locks = tables["data_lock"]
    locked = set(locks.loc[locks["lifted_at"].isna(), "subject_id"])
    unlocked = tuple(subjects.loc[~subjects["id"].isin(locked), "code"])
    return SdtmSource(
        protocol=protocol,
        protocol_version=version.label,
        data_cut=cut,
        subjects=subjects,
        tables=tables,
        custody=custody,
        recist=recist,
        nca=nca,
        unlocked=unlocked,
    )
