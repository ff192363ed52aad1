"""define.xml 2.1 describing CDISC datasets: one ItemGroupDef per dataset, one ItemDef per
variable with its origin, code lists of the values used, and a ``def:leaf`` to each file.

Source: CDISC Define-XML Specification Version 2.1 (2019) sections 4 and 5 on ODM 1.3.2:
``ODM/Study/MetaDataVersion`` holds, in this order, ``def:Standards``, ``ItemGroupDef``,
``ItemDef``, ``CodeList``, ``MethodDef``, ``def:CommentDef`` and ``def:leaf`` elements
(value-level metadata and where-clauses are not written). A Derived variable refers to a
``MethodDef`` (from the variable's description); a Collected one has source Investigator, an
Assigned or Derived one source Sponsor; a Predecessor names its SDTM variable. ISO 8601 text
dates are ``datetime`` (partial values allowed), ADaM numeric dates ``integer`` with the
``DATE9.`` display format. The define 2.1 XML Schema is not shipped (not available offline
here): tests check well-formedness, namespaces, element order and that every reference
resolves. Built with lxml because it is the XML library that keeps namespaces and order
exact; the metadata is ours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cartrial.cdisc.dataset import Dataset, Variable
from cartrial.cdisc.formats.dataset_json import item_group_oid, item_oid
from cartrial.cdisc.formats.limits import text_columns
from cartrial.extras import require

__all__ = [
    "DEF",
    "ODM",
    "XLINK",
    "CodeListInfo",
    "build_define",
    "shipped_codelists",
    "write_define",
]

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF = "http://www.cdisc.org/ns/def/v2.1"
XLINK = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: ODM, "def": DEF, "xlink": XLINK}

_STANDARDS = {
    "SDTMIG 3.4": ("STD.SDTMIG.3-4", "SDTMIG", "3.4", "Tabulation"),
    "ADaMIG 1.3": ("STD.ADAMIG.1-3", "ADaMIG", "1.3", "Analysis"),
}
_SOURCE = {"Collected": "Investigator", "Derived": "Sponsor", "Assigned": "Sponsor"}


@dataclass(frozen=True)
class CodeListInfo:
    """A controlled-terminology code list: its name, NCI code and terms (value -> NCI code)."""

    name: str
    nci_code: str | None = None
    terms: Mapping[str, str | None] = field(default_factory=dict)
    extended: frozenset[str] = frozenset()
    """Sponsor values added to an extensible code list (``def:ExtendedValue="Yes"``)."""


def shipped_codelists() -> dict[str, CodeListInfo]:
    """The shipped controlled terminology (:mod:`cartrial.cdisc.terminology`) as define.xml
    code-list metadata: name, NCI code, each term's code and the sponsor extensions."""
    from cartrial.cdisc.terminology import load_codelists

    return {
        cid: CodeListInfo(
            name=cl.name,
            nci_code=cl.code,
            terms={t.value: t.code for t in cl.terms},
            extended=frozenset(t.value for t in cl.terms if t.extension),
        )
        for cid, cl in load_codelists().items()
    }


def _one_per_subject(dataset: Dataset) -> bool:
    """define 2.1 ItemGroupDef/@Repeating: No for one record per subject (DM, ADSL)."""
    return dataset.structure.strip().rstrip(".").lower() == "one record per subject"


def _mandatory(dataset: Dataset, var: Variable) -> bool:
    """define 2.1 section 5.3.4.2: Mandatory = Yes for a Required variable (SDTMIG Core
    Req, as the SDTM builders declare it) and for the dataset's keys."""
    if var.name in dataset.keys:
        return True
    if dataset.standard != "SDTMIG 3.4":
        return False
    from cartrial.cdisc.sdtm.spec import core_of

    return core_of(dataset.name, var.name) == "Req"


def _o(tag: str) -> str:
    return f"{{{ODM}}}{tag}"


def _d(tag: str) -> str:
    return f"{{{DEF}}}{tag}"


def _description(etree: Any, parent: Any, text: str) -> None:
    description = etree.SubElement(parent, _o("Description"))
    translated = etree.SubElement(description, _o("TranslatedText"))
    translated.set(XML_LANG, "en")
    translated.text = text


def _data_type(dataset: Dataset, var: Variable, texts: set[str]) -> tuple[str, str | None]:
    """define.xml DataType and display format of a variable."""
    if var.data_type in ("date", "datetime"):
        return ("datetime", None) if var.name in texts else ("integer", "DATE9.")
    if var.data_type == "text":
        return "text", None
    return var.data_type, None


def _length(dataset: Dataset, var: Variable, data_type: str) -> int | None:
    if data_type == "text" or data_type == "datetime":
        if var.length is not None:
            return var.length
        longest = dataset.frame[var.name].dropna().astype(str).str.len().max()
        return int(longest) if pd.notna(longest) and longest > 0 else 1
    if data_type in ("integer", "float"):
        return 8
    return None


def _codelist_oid(name: str) -> str:
    return f"CL.{name}"


def _used_values(datasets: Sequence[Dataset]) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for dataset in datasets:
        for var in dataset.variables:
            if var.codelist is None:
                continue
            values = dataset.frame[var.name].dropna().astype(str)
            used.setdefault(var.codelist, set()).update(v for v in values if v != "")
    return used


def build_define(
    datasets: Sequence[Dataset],
    *,
    study_oid: str,
    file_extension: str = "xpt",
    codelists: Mapping[str, CodeListInfo] | None = None,
    ct_version: str | None = None,
    created: dt.datetime | None = None,
) -> Any:
    """The define.xml 2.1 document (an lxml ElementTree) of ``datasets``.

    ``codelists`` gives names, NCI codes and term codes of the shipped controlled
    terminology by code-list id; a code list is written with the values the data use
    (define 2.1 section 5.3.7: the terms used), each with its NCI code when known.
    """
    etree = require("lxml.etree")
    codelists = codelists or {}
    stamp = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    root = etree.Element(_o("ODM"), nsmap=NSMAP)
    root.set("FileType", "Snapshot")
    root.set("FileOID", f"DEFINE.{study_oid}")
    root.set("ODMVersion", "1.3.2")
    root.set("CreationDateTime", stamp)
    root.set("Originator", "cartrial")
    root.set("SourceSystem", "cartrial")
    root.set("SourceSystemVersion", "0.1.0")
    root.set(_d("Context"), "Submission")
    study = etree.SubElement(root, _o("Study"), OID=f"ST.{study_oid}")
    glob = etree.SubElement(study, _o("GlobalVariables"))
    for tag, text in (
        ("StudyName", study_oid),
        ("StudyDescription", f"Study {study_oid}"),
        ("ProtocolName", study_oid),
    ):
        etree.SubElement(glob, _o(tag)).text = text
    standards_used = sorted({d.standard for d in datasets})
    mdv = etree.SubElement(
        study,
        _o("MetaDataVersion"),
        OID=f"MDV.{study_oid}",
        Name=f"{study_oid} {', '.join(standards_used)}",
    )
    mdv.set(_d("DefineVersion"), "2.1.0")
    standards = etree.SubElement(mdv, _d("Standards"))
    for standard in standards_used:
        oid, name, version, _ = _STANDARDS[standard]
        etree.SubElement(
            standards,
            _d("Standard"),
            OID=oid,
            Name=name,
            Type="IG",
            Version=version,
            Status="Final",
        )
    if ct_version is not None:
        etree.SubElement(
            standards,
            _d("Standard"),
            OID="STD.CT",
            Name="CDISC/NCI",
            Type="CT",
            PublishingSet="SDTM",
            Version=ct_version,
            Status="Final",
        )

    used = _used_values(datasets)
    with_terms = {name for name, values in used.items() if values}
    item_defs: list[Any] = []
    methods: dict[str, str] = {}
    comments: dict[str, str] = {}
    for dataset in datasets:
        std_oid, _, _, purpose = _STANDARDS[dataset.standard]
        group = etree.SubElement(
            mdv,
            _o("ItemGroupDef"),
            OID=item_group_oid(dataset),
            Name=dataset.name,
            Repeating="No" if _one_per_subject(dataset) else "Yes",
            IsReferenceData="Yes" if dataset.dataset_class == "TRIAL DESIGN" else "No",
            SASDatasetName=dataset.name,
            Purpose=purpose,
        )
        if dataset.standard == "SDTMIG 3.4":
            group.set("Domain", dataset.name)
        group.set(_d("Structure"), dataset.structure)
        group.set(_d("StandardOID"), std_oid)
        group.set(_d("ArchiveLocationID"), f"LF.{dataset.name}")
        if dataset.notes:
            comment_oid = f"COM.{dataset.name}"
            comments[comment_oid] = " ".join(dataset.notes)
            group.set(_d("CommentOID"), comment_oid)
        _description(etree, group, dataset.label)
        texts = set(text_columns(dataset))
        for order, var in enumerate(dataset.variables, start=1):
            ref = etree.SubElement(
                group,
                _o("ItemRef"),
                ItemOID=item_oid(dataset, var),
                OrderNumber=str(order),
                Mandatory="Yes" if _mandatory(dataset, var) else "No",
            )
            if var.name in dataset.keys:
                ref.set("KeySequence", str(dataset.keys.index(var.name) + 1))
            if var.origin == "Derived":
                method_oid = f"MT.{dataset.name}.{var.name}"
                methods[method_oid] = var.description or f"{var.label}: derived"
                ref.set("MethodOID", method_oid)
            if var.role is not None and dataset.standard == "SDTMIG 3.4":
                ref.set("Role", var.role)
            item_defs.append(_item_def(etree, dataset, var, texts, with_terms))
        etree.SubElement(group, _d("Class"), Name=dataset.dataset_class or "OTHER")
        leaf_name = f"{dataset.name.lower()}.{file_extension}"
        leaf = etree.SubElement(group, _d("leaf"), ID=f"LF.{dataset.name}")
        leaf.set(f"{{{XLINK}}}href", leaf_name)
        etree.SubElement(leaf, _d("title")).text = leaf_name
    for item in item_defs:
        mdv.append(item)
    for name, values in sorted(used.items()):
        if not values:
            continue
        info = codelists.get(name, CodeListInfo(name=name))
        codelist = etree.SubElement(
            mdv, _o("CodeList"), OID=_codelist_oid(name), Name=info.name, DataType="text"
        )
        for value in sorted(values):
            enumerated = etree.SubElement(codelist, _o("EnumeratedItem"), CodedValue=value)
            if value in info.extended:
                enumerated.set(_d("ExtendedValue"), "Yes")
            code = info.terms.get(value)
            if code:
                etree.SubElement(enumerated, _o("Alias"), Name=code, Context="nci:ExtCodeID")
        if info.nci_code:
            etree.SubElement(codelist, _o("Alias"), Name=info.nci_code, Context="nci:ExtCodeID")
    for oid, text in methods.items():
        method = etree.SubElement(
            mdv, _o("MethodDef"), OID=oid, Name=f"Algorithm for {oid[3:]}", Type="Computation"
        )
        _description(etree, method, text)
    for oid, text in comments.items():
        comment = etree.SubElement(mdv, _d("CommentDef"), OID=oid)
        _description(etree, comment, text)
    return etree.ElementTree(root)


def _item_def(
    etree: Any, dataset: Dataset, var: Variable, texts: set[str], with_terms: set[str]
) -> Any:
    data_type, display = _data_type(dataset, var, texts)
    item = etree.Element(
        _o("ItemDef"), OID=item_oid(dataset, var), Name=var.name, DataType=data_type
    )
    length = _length(dataset, var, data_type)
    if length is not None:
        item.set("Length", str(length))
    item.set("SASFieldName", var.name)
    if display is not None:
        item.set(_d("DisplayFormat"), display)
    _description(etree, item, var.label)
    if var.codelist is not None and var.codelist in with_terms:
        etree.SubElement(item, _o("CodeListRef"), CodeListOID=_codelist_oid(var.codelist))
    origin = etree.SubElement(item, _d("Origin"), Type=var.origin)
    if var.origin in _SOURCE:
        origin.set("Source", _SOURCE[var.origin])
    if var.origin == "Predecessor" and var.description:
        _description(etree, origin, var.description)
    return item


def write_define(tree: Any, path: Any) -> None:
    """Write the document as UTF-8 XML with its declaration."""
    tree.write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)
