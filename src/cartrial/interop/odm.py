"""CDISC ODM 1.3.2: study metadata and clinical data out, clinical data in.

Export builds the document with odmlib's ODM 1.3.2 model (``odmlib.odm_1_3_2.model``) and
checks it against the ODM 1.3.2 XML schema that odmlib ships (``ODM1-3-2.xsd``; validated with
``xmlschema`` through odmlib's :class:`~odmlib.odm_parser.ODMSchemaValidator`). The metadata
is :mod:`cartrial.interop.forms`: one study event (follow-up), a FormDef and an ItemGroupDef per
form, an ItemDef per item, a CodeList per choice list. Clinical data are the stored follow-up
records (:func:`cartrial.services.exchange.follow_up_records`), one FormData per record with its
FormRepeatKey.

Import validates the file against the same schema (an error names the line), reads every
``ItemGroupData`` of a known form into :class:`~cartrial.interop.records.FormRecord` (origin:
the line), and goes through the same checks and the same one-transaction write as REDCap.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cartrial import __version__
from cartrial.errors import InputError
from cartrial.extras import require
from cartrial.interop.forms import Form, Item
from cartrial.interop.records import FormRecord, ImportProblem

__all__ = ["ODM_NS", "odm_document", "read_odm_records", "validate_odm"]

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
EVENT_OID = "SE.FOLLOWUP"
_DATA_TYPES = {
    "text": "text", "choice": "text", "integer": "integer", "float": "float",
    "date": "date", "datetime": "datetime", "boolean": "boolean",
}  # fmt: skip


def _model() -> Any:
    """odmlib's ODM 1.3.2 model ([interop] extra; a clear message names it when missing)."""
    return require("odmlib.odm_1_3_2.model")


def _oid(prefix: str, name: str) -> str:
    return f"{prefix}.{name.upper()}"


def _text(value: str) -> list[object]:
    ODM = _model()

    return [ODM.TranslatedText(_content=value, lang="en")]


def _item_def(item: Item) -> Any:
    ODM = _model()

    kwargs: dict[str, object] = {
        "OID": _oid("IT", item.name),
        "Name": item.name,
        "DataType": _DATA_TYPES[item.type],
        "Question": ODM.Question(TranslatedText=_text(item.label)),
    }
    if item.type in ("text", "choice"):
        kwargs["Length"] = 200
    if item.choices:
        kwargs["CodeListRef"] = ODM.CodeListRef(CodeListOID=_oid("CL", item.name))
    return ODM.ItemDef(**kwargs)


def odm_document(
    forms: tuple[Form, ...],
    *,
    study_oid: str,
    study_name: str,
    description: str,
    records: list[FormRecord] | None = None,
    created_at: dt.datetime,
) -> bytes:
    """An ODM 1.3.2 document: the forms' metadata, and clinical data when ``records`` given."""
    ODM = _model()

    mdv = ODM.MetaDataVersion(OID="MDV.1", Name=f"{study_name} forms (cartrial {__version__})")
    mdv.Protocol = ODM.Protocol(
        StudyEventRef=[ODM.StudyEventRef(StudyEventOID=EVENT_OID, OrderNumber=1, Mandatory="Yes")]
    )
    mdv.StudyEventDef = [
        ODM.StudyEventDef(
            OID=EVENT_OID, Name="Follow-up", Repeating="No", Type="Common",
            FormRef=[ODM.FormRef(FormOID=_oid("F", f.name), OrderNumber=i, Mandatory="No")
                     for i, f in enumerate(forms, start=1)],
        )
    ]  # fmt: skip
    for form in forms:
        mdv.FormDef.append(
            ODM.FormDef(
                OID=_oid("F", form.name),
                Name=form.label,
                Repeating="Yes" if form.repeating else "No",
                ItemGroupRef=[
                    ODM.ItemGroupRef(ItemGroupOID=_oid("IG", form.name), Mandatory="Yes")
                ],
            )
        )
        mdv.ItemGroupDef.append(
            ODM.ItemGroupDef(
                OID=_oid("IG", form.name), Name=form.label, Repeating="No",
                ItemRef=[ODM.ItemRef(ItemOID=_oid("IT", i.name), OrderNumber=n,
                                     Mandatory="Yes" if i.required else "No")
                         for n, i in enumerate(form.items, start=1)],
            )
        )  # fmt: skip
        for item in form.items:
            mdv.ItemDef.append(_item_def(item))
            if item.choices:
                mdv.CodeList.append(
                    ODM.CodeList(
                        OID=_oid("CL", item.name), Name=item.label, DataType="integer"
                        if item.argument == "reported_grade" else "text",
                        CodeListItem=[ODM.CodeListItem(CodedValue=code,
                                                       Decode=ODM.Decode(TranslatedText=_text(label)))
                                      for code, label in item.choices],
                    )
                )  # fmt: skip
    study = ODM.Study(OID=study_oid)
    study.GlobalVariables = ODM.GlobalVariables(
        StudyName=ODM.StudyName(_content=study_name),
        StudyDescription=ODM.StudyDescription(_content=description),
        ProtocolName=ODM.ProtocolName(_content=study_name),
    )
    study.MetaDataVersion = [mdv]
    root = ODM.ODM(
        FileOID=f"cartrial.{study_oid}.{created_at:%Y%m%dT%H%M%S}",
        FileType="Snapshot",
        Granularity="All" if records is not None else "Metadata",
        CreationDateTime=created_at.isoformat(timespec="seconds"),
        ODMVersion="1.3.2",
        Originator="cartrial",
        SourceSystem="cartrial",
        SourceSystemVersion=__version__,
    )
    root.Study = [study]
    if records is not None:
        clinical = ODM.ClinicalData(StudyOID=study_oid, MetaDataVersionOID="MDV.1")
        subjects: dict[str, object] = {}
        for record in records:
            subject = subjects.get(record.subject_code)
            if subject is None:
                subject = ODM.SubjectData(
                    SubjectKey=record.subject_code,
                    StudyEventData=[ODM.StudyEventData(StudyEventOID=EVENT_OID)],
                )
                subjects[record.subject_code] = subject
                clinical.SubjectData.append(subject)
            items = [
                ODM.ItemData(ItemOID=_oid("IT", name), Value=value)
                for name, value in record.values.items()
                if value != ""
            ]
            subject.StudyEventData[0].FormData.append(  # type: ignore[attr-defined]
                ODM.FormData(
                    FormOID=_oid("F", record.form.name),
                    FormRepeatKey=str(record.instance or 1),
                    ItemGroupData=[
                        ODM.ItemGroupData(ItemGroupOID=_oid("IG", record.form.name), ItemData=items)
                    ],
                )
            )
        root.ClinicalData = [clinical]
    text = root.to_xml_string(xml_declaration=False)
    etree = require("lxml.etree")
    tree = etree.fromstring(text.encode("utf-8") if isinstance(text, str) else bytes(text))
    # one element per line, so an import's problems can name the line of each record
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def validate_odm(path: Path) -> None:
    """Check ``path`` against the ODM 1.3.2 schema; the first error names its line."""
    require("odmlib")
    etree = require("lxml.etree")
    import xmlschema
    from odmlib.schema_manager import get_schema_path

    try:
        tree = etree.parse(str(path))
    except (OSError, etree.XMLSyntaxError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path}:line {line}" if line else str(path)
        raise InputError(where, type(exc).__name__, f"well-formed XML ({exc})") from exc
    schema = xmlschema.XMLSchema(get_schema_path("odm", "1.3.2"))
    for error in schema.iter_errors(tree):
        element = getattr(error, "elem", None)
        line = getattr(element, "sourceline", None)
        where = f"{path}:line {line}" if line else str(path)
        raise InputError(where, error.reason or "invalid", f"ODM 1.3.2 ({error.path})")


def read_odm_records(
    path: Path, forms: tuple[Form, ...]
) -> tuple[list[FormRecord], list[ImportProblem]]:
    """The ClinicalData of an ODM file as form records (checked against the schema first)."""
    etree = require("lxml.etree")

    validate_odm(path)
    by_oid = {_oid("F", f.name): f for f in forms}
    tree = etree.parse(str(path))
    ns = {"odm": ODM_NS}
    records: list[FormRecord] = []
    problems: list[ImportProblem] = []
    for subject in tree.iterfind(".//odm:ClinicalData/odm:SubjectData", ns):
        code = subject.get("SubjectKey", "")
        for form_data in subject.iterfind(".//odm:FormData", ns):
            origin = f"{path.name} line {form_data.sourceline}"
            form = by_oid.get(form_data.get("FormOID", ""))
            if form is None:
                oid = form_data.get("FormOID", "")
                problems.append(
                    ImportProblem(origin, code, oid, "(form)", oid, "a form of the metadata")
                )
                continue
            names = {_oid("IT", i.name): i.name for i in form.items}
            values: dict[str, str] = {}
            for item in form_data.iterfind(".//odm:ItemData", ns):
                name = names.get(item.get("ItemOID", ""))
                if name is None:
                    problems.append(
                        ImportProblem(
                            f"{path.name} line {item.sourceline}",
                            code,
                            form.name,
                            item.get("ItemOID", ""),
                            item.get("Value", ""),
                            f"an item of {form.name}",
                        )
                    )
                    continue
                values[name] = item.get("Value", "")
            repeat = form_data.get("FormRepeatKey")
            instance = int(repeat) if repeat and repeat.isdigit() else None
            records.append(FormRecord(code, form, values, origin, instance))
    return records, problems
