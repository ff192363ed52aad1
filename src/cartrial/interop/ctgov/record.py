"""A ClinicalTrials.gov study record in the API v2 JSON format, read with its JSON paths.

Only the documented ``protocolSection`` modules a protocol needs are read
(ClinicalTrials.gov data structure, API v2: identificationModule, statusModule,
sponsorCollaboratorsModule, descriptionModule, conditionsModule, designModule,
armsInterventionsModule, outcomesModule, eligibilityModule, contactsLocationsModule). A missing
required value or a value of the wrong type is an error naming the file and the JSON path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartrial.errors import InputError

__all__ = ["Arm", "Intervention", "Outcome", "RegistryRecord", "read_registry_record"]


@dataclass(frozen=True)
class Outcome:
    """An outcome measure as the registry lists it."""

    type: str  # primary, secondary, other
    measure: str
    description: str
    time_frame: str
    path: str


@dataclass(frozen=True)
class Arm:
    label: str
    type: str
    description: str
    interventions: tuple[str, ...]


@dataclass(frozen=True)
class Intervention:
    type: str
    name: str
    description: str
    other_names: tuple[str, ...]


@dataclass(frozen=True)
class RegistryRecord:
    """The parts of a study record a protocol skeleton is built from."""

    source: str
    nct_id: str
    brief_title: str
    official_title: str | None
    org_study_id: str | None
    secondary_ids: tuple[str, ...]
    last_update: str | None
    sponsor: str | None
    brief_summary: str
    conditions: tuple[str, ...]
    phases: tuple[str, ...]
    enrollment: int | None
    design_description: str | None
    arms: tuple[Arm, ...]
    interventions: tuple[Intervention, ...]
    outcomes: tuple[Outcome, ...]
    eligibility_text: str
    minimum_age: str | None
    maximum_age: str | None
    sex: str | None
    healthy_volunteers: bool | None
    sites: tuple[str, ...] = field(default=())


class _Reader:
    """Typed access to a JSON document that names the path of every problem."""

    def __init__(self, source: str, doc: Any) -> None:
        self.source = source
        self.doc = doc

    def _get(self, path: str, required: bool) -> Any:
        node: Any = self.doc
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                if required:
                    raise InputError(f"{self.source}:{path}", None, "a value (required)")
                return None
            node = node[part]
        return node

    def text(self, path: str, *, required: bool = False) -> str | None:
        value = self._get(path, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InputError(f"{self.source}:{path}", value, "a string")
        return value

    def integer(self, path: str) -> int | None:
        value = self._get(path, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{self.source}:{path}", value, "an integer")
        return value

    def boolean(self, path: str) -> bool | None:
        value = self._get(path, False)
        if value is not None and not isinstance(value, bool):
            raise InputError(f"{self.source}:{path}", value, "true or false")
        return value

    def objects(self, path: str) -> list[tuple[str, dict[str, Any]]]:
        value = self._get(path, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InputError(f"{self.source}:{path}", type(value).__name__, "a list")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise InputError(f"{self.source}:{path}[{i}]", item, "an object")
            out.append((f"{path}[{i}]", item))
        return out

    def strings(self, path: str) -> tuple[str, ...]:
        value = self._get(path, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{self.source}:{path}", value, "a list of strings")
        return tuple(value)


def _sub(reader: _Reader, path: str, item: dict[str, Any]) -> _Reader:
    return _Reader(f"{reader.source}:{path}", item)


def read_registry_record(path: Path) -> RegistryRecord:
    """Read a study record file; malformed JSON names the line and column."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, f"byte {exc.start}", "a UTF-8 JSON file") from exc
    except OSError as exc:
        raise InputError(source, str(path), f"a readable file ({exc.strerror})") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}:line {exc.lineno} column {exc.colno}", exc.msg, "valid JSON"
        ) from exc
    if isinstance(doc, dict) and "studies" in doc and isinstance(doc["studies"], list):
        if len(doc["studies"]) != 1:
            raise InputError(f"{source}:studies", len(doc["studies"]), "exactly one study")
        doc = doc["studies"][0]
    return parse_registry_record(doc, source)


def parse_registry_record(doc: Any, source: str) -> RegistryRecord:
    """A :class:`RegistryRecord` from an API v2 study object."""
    r = _Reader(source, doc)
    p = "protocolSection"
    if not isinstance(r._get(p, True), dict):
        raise InputError(f"{source}:{p}", doc.get(p) if isinstance(doc, dict) else doc, "an object")
    nct = r.text(f"{p}.identificationModule.nctId", required=True)
    assert nct is not None
    if not (nct.startswith("NCT") and nct[3:].isdigit() and len(nct) == 11):
        raise InputError(
            f"{source}:{p}.identificationModule.nctId", nct, "NCT followed by 8 digits"
        )
    arms = []
    for arm_path, item in r.objects(f"{p}.armsInterventionsModule.armGroups"):
        a = _sub(r, arm_path, item)
        arms.append(
            Arm(
                label=a.text("label", required=True) or "",
                type=a.text("type") or "",
                description=a.text("description") or "",
                interventions=a.strings("interventionNames"),
            )
        )
    interventions = []
    for int_path, item in r.objects(f"{p}.armsInterventionsModule.interventions"):
        i = _sub(r, int_path, item)
        interventions.append(
            Intervention(
                type=i.text("type") or "",
                name=i.text("name", required=True) or "",
                description=i.text("description") or "",
                other_names=i.strings("otherNames"),
            )
        )
    outcomes = []
    for kind in ("primary", "secondary", "other"):
        for out_path, item in r.objects(f"{p}.outcomesModule.{kind}Outcomes"):
            o = _sub(r, out_path, item)
            outcomes.append(
                Outcome(
                    type=kind,
                    measure=o.text("measure", required=True) or "",
                    description=o.text("description") or "",
                    time_frame=o.text("timeFrame") or "",
                    path=out_path,
                )
            )
    secondary = []
    for sec_path, item in r.objects(f"{p}.identificationModule.secondaryIdInfos"):
        value = _sub(r, sec_path, item).text("id", required=True)
        if value:
            secondary.append(value)
    sites = []
    for loc_path, item in r.objects(f"{p}.contactsLocationsModule.locations"):
        facility = _sub(r, loc_path, item).text("facility")
        if facility:
            sites.append(facility)
    eligibility = r.text(f"{p}.eligibilityModule.eligibilityCriteria", required=True) or ""
    return RegistryRecord(
        source=source,
        nct_id=nct,
        brief_title=r.text(f"{p}.identificationModule.briefTitle", required=True) or "",
        official_title=r.text(f"{p}.identificationModule.officialTitle"),
        org_study_id=r.text(f"{p}.identificationModule.orgStudyIdInfo.id"),
        secondary_ids=tuple(secondary),
        last_update=r.text(f"{p}.statusModule.lastUpdatePostDateStruct.date"),
        sponsor=r.text(f"{p}.sponsorCollaboratorsModule.leadSponsor.name"),
        brief_summary=r.text(f"{p}.descriptionModule.briefSummary") or "",
        conditions=r.strings(f"{p}.conditionsModule.conditions"),
        phases=r.strings(f"{p}.designModule.phases"),
        enrollment=r.integer(f"{p}.designModule.enrollmentInfo.count"),
        design_description=r.text(f"{p}.designModule.designInfo.interventionModelDescription"),
        arms=tuple(arms),
        interventions=tuple(interventions),
        outcomes=tuple(outcomes),
        eligibility_text=eligibility,
        minimum_age=r.text(f"{p}.eligibilityModule.minimumAge"),
        maximum_age=r.text(f"{p}.eligibilityModule.maximumAge"),
        sex=r.text(f"{p}.eligibilityModule.sex"),
        healthy_volunteers=r.boolean(f"{p}.eligibilityModule.healthyVolunteers"),
        sites=tuple(sites),
    )
