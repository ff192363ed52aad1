"""define.xml 2.1: well-formed, in the define 2.1 namespaces, with the element order of
MetaDataVersion the specification fixes (section 4), and every reference resolved. The
define 2.1 XML Schema is not available offline, so these structural checks stand in for it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import etree

from cartrial.cdisc.dataset import Variable
from cartrial.cdisc.define import DEF, ODM, XLINK, CodeListInfo, build_define, write_define
from tests.cdisc.formats_data import demographics, with_variable

NS = {"odm": ODM, "def": DEF, "xlink": XLINK}
ORDER = ["Standards", "ItemGroupDef", "ItemDef", "CodeList", "MethodDef", "CommentDef"]


def _document(tmp_path: Path) -> etree._ElementTree:
    dm = with_variable(
        demographics(),
        Variable("SEX", "Sex", "text", "Collected", codelist="SEX", role="Record Qualifier"),
        ["M", "F", "M"],
    )
    tree = build_define(
        [dm],
        study_oid="UCLM802",
        codelists={
            "SEX": CodeListInfo(
                "Sex", "C66731", {"F": "C16576", "M": "C20197"}, extended=frozenset({"M"})
            )
        },
        ct_version="2024-03-29",
        created=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )
    path = tmp_path / "define.xml"
    write_define(tree, path)
    return etree.parse(str(path))  # re-parsing the file checks it is well-formed


def test_define_is_odm_1_3_2_with_define_2_1_metadata(tmp_path: Path) -> None:
    root = _document(tmp_path).getroot()
    assert root.tag == f"{{{ODM}}}ODM"
    assert root.get("ODMVersion") == "1.3.2"
    assert root.get(f"{{{DEF}}}Context") == "Submission"
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    assert mdv.get(f"{{{DEF}}}DefineVersion") == "2.1.0"
    standards = mdv.findall("def:Standards/def:Standard", NS)
    assert {(s.get("Name"), s.get("Version")) for s in standards} == {
        ("SDTMIG", "3.4"),
        ("CDISC/NCI", "2024-03-29"),
    }


def test_metadata_version_children_follow_the_define_2_1_order(tmp_path: Path) -> None:
    mdv = _document(tmp_path).getroot().find("odm:Study/odm:MetaDataVersion", NS)
    names = [etree.QName(child).localname for child in mdv]
    ranks = [ORDER.index(n) for n in names]
    assert ranks == sorted(ranks)


def test_one_item_group_per_dataset_with_a_leaf_to_its_file(tmp_path: Path) -> None:
    mdv = _document(tmp_path).getroot().find("odm:Study/odm:MetaDataVersion", NS)
    (group,) = mdv.findall("odm:ItemGroupDef", NS)
    assert group.get("OID") == "IG.DM" and group.get("Purpose") == "Tabulation"
    assert group.get("Repeating") == "No"  # one record per subject
    assert group.get(f"{{{DEF}}}Structure") == "One record per subject"
    assert group.find("def:Class", NS).get("Name") == "SPECIAL PURPOSE"
    leaf = group.find("def:leaf", NS)
    assert leaf.get(f"{{{XLINK}}}href") == "dm.xpt"
    assert group.get(f"{{{DEF}}}ArchiveLocationID") == leaf.get("ID")
    refs = group.findall("odm:ItemRef", NS)
    assert [r.get("ItemOID") for r in refs] == [
        "IT.DM.STUDYID", "IT.DM.USUBJID", "IT.DM.AGE", "IT.DM.HEIGHT", "IT.DM.RFSTDTC",
        "IT.DM.TRTSDT", "IT.DM.SEX",
    ]  # fmt: skip
    assert [r.get("KeySequence") for r in refs[:2]] == ["1", "2"]


def test_every_reference_resolves_and_origins_are_typed(tmp_path: Path) -> None:
    mdv = _document(tmp_path).getroot().find("odm:Study/odm:MetaDataVersion", NS)
    items = {i.get("OID"): i for i in mdv.findall("odm:ItemDef", NS)}
    methods = {m.get("OID") for m in mdv.findall("odm:MethodDef", NS)}
    lists = {c.get("OID") for c in mdv.findall("odm:CodeList", NS)}
    for ref in mdv.iter(f"{{{ODM}}}ItemRef"):
        assert ref.get("ItemOID") in items
        if ref.get("MethodOID"):
            assert ref.get("MethodOID") in methods
    for ref in mdv.iter(f"{{{ODM}}}CodeListRef"):
        assert ref.get("CodeListOID") in lists
    sex = items["IT.DM.SEX"]
    assert sex.find("def:Origin", NS).attrib == {"Type": "Collected", "Source": "Investigator"}
    assert items["IT.DM.RFSTDTC"].get("DataType") == "datetime"  # ISO 8601 text
    trtsdt = items["IT.DM.TRTSDT"]
    assert (trtsdt.get("DataType"), trtsdt.get(f"{{{DEF}}}DisplayFormat")) == ("integer", "DATE9.")
    assert items["IT.DM.USUBJID"].get("Length") == "14"


def test_code_list_holds_the_terms_used_with_their_nci_codes(tmp_path: Path) -> None:
    mdv = _document(tmp_path).getroot().find("odm:Study/odm:MetaDataVersion", NS)
    (codelist,) = mdv.findall("odm:CodeList", NS)
    assert codelist.get("OID") == "CL.SEX"
    terms = {
        e.get("CodedValue"): e.find("odm:Alias", NS).get("Name")
        for e in codelist.findall("odm:EnumeratedItem", NS)
    }
    assert terms == {"F": "C16576", "M": "C20197"}
    assert codelist.find("odm:Alias", NS).get("Name") == "C66731"
    extended = {
        e.get("CodedValue"): e.get(f"{{{DEF}}}ExtendedValue")
        for e in codelist.findall("odm:EnumeratedItem", NS)
    }
    assert extended == {"F": None, "M": "Yes"}  # a sponsor extension is marked
