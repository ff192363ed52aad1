"""An assay result is checked for its sample's analyte before it is stored (services.assays).

The accepted units are written out from their sources: the kinetics engine reads qPCR in
copies per ug genomic DNA (also per ng gDNA, per 100 ng), the cytokine summary in pg/mL,
ng/L or ng/mL, case-sensitively (SI Brochure 9th ed. 5.2). Before this rule a qPCR result
in copies/mL was stored and only the study report refused it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from cartrial.errors import InputError
from cartrial.services import followup
from cartrial.services.assays import check_assay_result, is_blq
from tests.store.trial import INFUSION_AT, World, build_world, infused


@pytest.mark.parametrize(
    ("analyte", "unit", "ok"),
    [
        ("car_transgene_qpcr", "copies/ug gDNA", True),
        ("car_transgene_qpcr", "copies/µg gDNA", True),
        ("car_transgene_qpcr", "copies/ng gDNA", True),
        ("car_transgene_qpcr", "copies/mL", False),
        ("car_transgene_qpcr", "COPIES/UG GDNA", False),
        ("car_t_flow", "cells/uL", True),
        ("car_t_flow", "cells/ul", True),
        ("car_t_flow", "copies/ug gDNA", False),
        ("cytokines", "pg/mL", True),
        ("cytokines", "ng/l", True),
        ("cytokines", "PG/ML", False),
        ("anti_drug_antibody", "titre", True),
    ],
)
def test_units_per_analyte(analyte: str, unit: str, ok: bool) -> None:
    test = "IL-6" if analyte == "cytokines" else "x"

    def check() -> None:
        check_assay_result(
            analyte, test=test, value=Decimal(10), unit=unit, lloq=None, result_text=None
        )

    if ok:
        check()
    else:
        with pytest.raises(InputError) as refused:
            check()
        assert refused.value.field == "unit" and refused.value.value == unit


def test_a_test_outside_the_protocols_panel_is_refused() -> None:
    # uclm802's cytokine panel (protocol/bundled/uclm802.yaml): IP-10, IFN-γ, IL-6, ...
    panel = ["IP-10", "IFN-γ", "IL-6", "IL-10", "TNF-α", "GM-CSF"]
    common = {"value": Decimal(40), "unit": "pg/mL", "lloq": None, "result_text": None}
    check_assay_result("cytokines", test="IFN-γ", panel=panel, **common)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="one of the protocol's cytokines panel: IP-10"):
        check_assay_result("cytokines", test="IL6", panel=panel, **common)  # type: ignore[arg-type]
    check_assay_result("cytokines", test="IL-2", **common)  # type: ignore[arg-type]


def test_blq_reading_matches_the_kinetics_engine() -> None:
    assert is_blq(Decimal(49), Decimal(50), None)
    assert not is_blq(Decimal(50), Decimal(50), None)
    assert is_blq(None, None, "BLQ") and is_blq(None, Decimal(50), "<50")
    with pytest.raises(InputError, match="<50 \\(the LLOQ given\\)"):
        check_assay_result(
            "car_transgene_qpcr", test="x", value=None, unit="copies/ug gDNA",
            lloq=Decimal(50), result_text="<40",
        )  # fmt: skip


def test_the_service_refuses_a_qpcr_result_in_copies_per_ml(world_sessions: World) -> None:
    world = world_sessions
    subject_id = infused(world, "S-001")
    coord = world.actors["coordinator"]
    sample = followup.record_sample(
        world.sessions, actor=coord, subject_id=subject_id, sample_code="Q7",
        analyte="car_transgene_qpcr", matrix="blood",
        collected_at=INFUSION_AT + dt.timedelta(days=7), study_day=7,
    )  # fmt: skip
    with pytest.raises(InputError) as refused:
        followup.record_assay_result(
            world.sessions, actor=coord, sample_id=sample.id, test="CAR copies",
            value=Decimal(15400), unit="copies/mL",
        )  # fmt: skip
    assert refused.value.field == "unit"


@pytest.fixture
def world_sessions(tmp_path: Path) -> World:
    from cartrial.store import make_engine, make_sessionmaker, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(engine)
    return build_world(make_sessionmaker(engine))
