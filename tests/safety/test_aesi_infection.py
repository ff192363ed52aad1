"""AESI "serious or opportunistic infection": the protocol's wording, not every infection.

The uclm802 protocol (src/cartrial/protocol/bundled/uclm802.yaml, ``aesi``) lists
"Serious or opportunistic infection" (CLINICAL_RULES section 4: "serious/opportunistic
infections"). Serious is the ICH E2A criteria (death, life-threatening, hospitalisation,
disability, congenital anomaly, important medical event); opportunistic is an organism
(and, for organisms that are also common colonisers, a presentation) on the declared
list in ``safety/data/opportunistic_infections.yaml``. Expected flags follow from that
wording by hand.
"""

from __future__ import annotations

from typing import Any

from cartrial.protocol.load import load_protocol
from cartrial.protocol.model import Aesi, Window
from cartrial.safety.events import PatientSafety, classify_adverse_events
from cartrial.safety.inputs import parse_input

WINDOW = Window(anchor="infusion", days_after_infusion=30)
UCLM802_AESI = load_protocol("uclm802").protocol.aesi


def flags(*aes: dict[str, Any], aesi: list[Aesi] = UCLM802_AESI) -> Any:
    patient = parse_input(
        PatientSafety,
        {"id": "P01", "infusion": "2026-03-01T10:00", "adverse_events": list(aes)},
    )
    return classify_adverse_events(patient=patient, window=WINDOW, aesi=aesi)


def infection(**extra: Any) -> dict[str, Any]:
    return {
        "id": "AE1",
        "term": "Urinary tract infection",
        "onset": "2026-03-10T08:00",
        "grade": 2,
        **extra,
    }


def test_grade2_non_serious_common_bacterial_infection_is_not_aesi() -> None:
    (f,) = flags(infection(pathogen="Escherichia coli"))
    assert f.aesi is None
    assert "neither serious nor opportunistic" in (f.aesi_reason or "")


def test_serious_infection_is_aesi() -> None:
    (f,) = flags(infection(serious=["hospitalisation"], grade=3))
    assert f.aesi == "infection"
    assert "serious (hospitalisation)" in (f.aesi_reason or "")


def test_opportunistic_organism_is_aesi_even_when_not_serious() -> None:
    (f,) = flags(
        {
            "id": "AE1",
            "term": "Lung infection",
            "onset": "2026-03-10T08:00",
            "grade": 2,
            "pathogen": "Pneumocystis jirovecii",
        }
    )
    assert f.aesi == "infection"
    assert "opportunistic" in (f.aesi_reason or "") and "Pneumocystis" in (f.aesi_reason or "")


def test_organism_opportunistic_only_in_some_presentations() -> None:
    # Candida: oral thrush is common, candidaemia or invasive candidiasis is opportunistic.
    thrush = infection(
        term="Infections and infestations - Other, specify",
        pathogen="Candida albicans",
        presentation="mucocutaneous",
    )
    assert flags(thrush)[0].aesi is None
    invasive = {**thrush, "presentation": "invasive"}
    assert flags(invasive)[0].aesi == "infection"


def test_investigator_may_declare_an_infection_opportunistic() -> None:
    (f,) = flags(infection(opportunistic=True, pathogen="unusual organism"))
    assert f.aesi == "infection"
    assert "investigator" in (f.aesi_reason or "")


def test_an_entry_naming_infections_without_qualifier_still_takes_every_infection() -> None:
    every = [Aesi(term="Infections", category="infection")]
    assert flags(infection(), aesi=every)[0].aesi == "infection"


def test_unknown_pathogen_alias_matching_is_case_insensitive() -> None:
    (f,) = flags(infection(pathogen="cytomegalovirus", presentation="End-organ disease"))
    assert f.aesi == "infection"
