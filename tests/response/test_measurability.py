"""RECIST 1.1 baseline measurability by kind of lesion (Eisenhauer et al. 2009, 3.1.2-3.1.3).

Section 3.1.2 lists lesions that are non-measurable whatever their size: leptomeningeal
disease, ascites, pleural or pericardial effusion, inflammatory breast disease,
lymphangitic involvement of skin or lung, abdominal masses or organomegaly found by
physical examination and not measurable by reproducible imaging. Section 3.1.3: blastic
bone lesions are non-measurable, lytic or mixed lesions with a soft-tissue component
>= 10 mm are measurable; cystic metastases can be measurable if they meet the size rule
(the protocol may choose otherwise); lesions in a previously irradiated field are usually
not measurable unless they have progressed since, as the protocol details.
"""

from __future__ import annotations

from typing import Any

import pytest

from cartrial.errors import InputError
from cartrial.response.assess import assess_recist
from cartrial.response.baseline import BaselineError, check_baseline
from cartrial.response.settings import ResponseSettings
from tests.response.build import nt, subject, tgt, visit


def rules(
    lesions: list[dict[str, Any]], settings: ResponseSettings | None = None
) -> list[tuple[str, str | None]]:
    return [(i.rule, i.lesion_id) for i in check_baseline(subject(lesions, []), settings=settings)]


@pytest.mark.parametrize(
    "lesion_type",
    [
        "pleural_effusion",
        "pericardial_effusion",
        "ascites",
        "leptomeningeal",
        "inflammatory_breast",
        "lymphangitic_skin",
        "lymphangitic_lung",
        "abdominal_mass_by_exam",
        "bone_blastic",
        "bone_lytic_without_soft_tissue",
    ],
)
def test_truly_non_measurable_lesion_is_refused_as_a_target(lesion_type: str) -> None:
    target = tgt("T1", "pleura", 60) | {"lesion_type": lesion_type}
    assert rules([target]) == [("truly-non-measurable", "T1")]
    # the same lesion is a valid non-target
    assert rules([tgt("T2", "liver", 20), nt("NT1", "pleura") | {"lesion_type": lesion_type}]) == []


def test_bone_lesion_with_soft_tissue_component_is_measurable() -> None:
    assert rules([tgt("T1", "bone", 25) | {"lesion_type": "bone_soft_tissue"}]) == []
    small = tgt("T1", "bone", 9) | {"lesion_type": "bone_soft_tissue"}
    assert rules([small]) == [("non-nodal-measurable", "T1")]


def test_cystic_metastasis_measurable_unless_the_protocol_excludes_it() -> None:
    cyst = tgt("T1", "ovary", 30) | {"lesion_type": "cystic"}
    assert rules([cyst]) == []
    assert rules([cyst], ResponseSettings(cystic_targets_allowed=False)) == [
        ("cystic-target", "T1")
    ]


def test_irradiated_lesion_is_a_target_only_after_progression() -> None:
    irradiated = tgt("T1", "lung", 30) | {"previously_irradiated": True}
    assert rules([irradiated]) == [("previously-irradiated", "T1")]
    progressed = irradiated | {"progressed_since_irradiation": True}
    assert rules([progressed]) == []
    never = ResponseSettings(irradiated_targets="never")
    assert rules([progressed], never) == [("previously-irradiated", "T1")]


def test_effusion_target_is_refused_by_the_assessment_with_its_reason() -> None:
    lesions = [
        tgt("T1", "liver", 20),
        tgt("T2", "pleura", 40) | {"lesion_type": "pleural_effusion"},
    ]
    with pytest.raises(BaselineError, match=r"T2.*pleural effusion.*3\.1\.2"):
        assess_recist(subject(lesions, [visit(28, {"T1": 10, "T2": 40})]))


def test_unknown_lesion_type_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError, match="lesion_type"):
        subject([tgt("T1", "liver", 20) | {"lesion_type": "blob"}], [])
