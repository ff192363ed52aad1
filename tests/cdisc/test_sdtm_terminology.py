"""The shipped controlled terminology (CDISC SDTM CT 2024-09-27 subset) is well formed and
covers every code the SDTM builders emit."""

from __future__ import annotations

import re

from cartrial.cdisc.sdtm.kinetics import PP_PARAMETERS, PP_UNITS
from cartrial.cdisc.sdtm.lb import LB_TESTS
from cartrial.cdisc.sdtm.units import CDISC_UNITS
from cartrial.cdisc.sdtm.vs import VS_TESTS
from cartrial.cdisc.terminology import CT_VERSION, load_codelists

NCI_CODE = re.compile(r"^C\d+$")


def test_the_ct_package_is_named() -> None:
    assert CT_VERSION == "SDTM CT 2024-09-27"


def test_codes_are_nci_c_codes_or_left_empty() -> None:
    for cl in load_codelists().values():
        assert cl.code is None or NCI_CODE.match(cl.code), cl.id
        for term in cl.terms:
            assert term.code is None or NCI_CODE.match(term.code), (cl.id, term.value)


def test_sponsor_extensions_only_in_extensible_codelists() -> None:
    for cl in load_codelists().values():
        values = [t.value for t in cl.terms]
        assert len(values) == len(set(values)), cl.id
        if not cl.extensible:
            assert not any(t.extension for t in cl.terms), cl.id


def test_published_codes_of_sex_and_no_yes() -> None:
    # NCI EVS, CDISC SDTM CT: SEX C66731 (F C16576, M C20197), NY C66742 (N C49487, Y C49488)
    lists = load_codelists()
    assert {t.value: t.code for t in lists["SEX"].terms}["F"] == "C16576"
    assert {t.value: t.code for t in lists["NY"].terms} == {"N": "C49487", "Y": "C49488"}


def test_every_emitted_code_is_in_its_codelist() -> None:
    lists = load_codelists()
    assert {v[0] for v in LB_TESTS.values()} <= lists["LBTESTCD"].values
    assert set(VS_TESTS) <= lists["VSTESTCD"].values
    assert set(PP_PARAMETERS) <= lists["PKPARMCD"].values
    assert set(CDISC_UNITS.values()) <= lists["UNIT"].values
    assert {u for u in PP_UNITS.values() if u} <= lists["UNIT"].values
