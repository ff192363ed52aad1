"""The bundled protocols against their seed documents.

Expected values are literal transcriptions of the seed text in ``../shared/seeds``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from cartrial.protocol import Protocol, bundled_ids, load_bundled
from cartrial.protocol.criteria import (
    AllOf,
    AnyOf,
    Criterion,
    FieldRule,
    LabRule,
    Not,
    ReviewRule,
    Rule,
    WashoutRule,
    WithinRule,
)
from cartrial.protocol.summary import provenance_items

# The seed documents sit in ../shared/seeds beside the project (every developer machine and
# every CI run has them); CARTRIAL_SEEDS points elsewhere. Without them the wording tests are
# skipped with the reason, except under CI=true, where a missing seed folder is a failure.
SEEDS = Path(os.environ.get("CARTRIAL_SEEDS", Path(__file__).parents[2] / "../shared/seeds"))


def _require_seeds() -> None:
    if (SEEDS / "000_e3e76151ae59d1b4.txt").is_file():
        return
    message = f"seed documents not found in {SEEDS.resolve()} (set CARTRIAL_SEEDS)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


IDS = ["msk-m28z1xxpd1dnr", "szugh-msln-2024", "uclm802"]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def _seed_text(protocol_id: str) -> str:
    _require_seeds()
    protocol = load_bundled(protocol_id).protocol
    return " ".join(
        _normalise((SEEDS / source.file).read_text(encoding="utf-8")) for source in protocol.sources
    )


def _protocol(protocol_id: str) -> Protocol:
    return load_bundled(protocol_id).protocol


def _criterion(protocol_id: str, criterion_id: str) -> Criterion:
    eligibility = _protocol(protocol_id).eligibility
    for criterion in [*eligibility.inclusion, *eligibility.exclusion]:
        if criterion.id == criterion_id:
            return criterion
    raise AssertionError(f"{protocol_id} has no criterion {criterion_id}")


def _leaves(rule: Rule) -> Iterator[Rule]:
    if isinstance(rule, AllOf | AnyOf):
        for child in rule.rules:
            yield from _leaves(child)
    elif isinstance(rule, Not):
        yield from _leaves(rule.rule)
    else:
        yield rule


def test_the_three_seed_protocols_are_bundled_and_load() -> None:
    assert bundled_ids() == IDS
    for protocol_id in IDS:
        loaded = load_bundled(protocol_id)
        assert loaded.protocol.id == protocol_id
        assert len(loaded.sha256) == 64


def test_seed_files_are_reachable() -> None:
    _require_seeds()
    assert (SEEDS / "000_e3e76151ae59d1b4.txt").is_file()


@pytest.mark.parametrize(
    ("protocol_id", "inclusion", "exclusion"),
    [
        ("szugh-msln-2024", 11, 17),
        ("uclm802", 9, 26),
        # The listing gives no list: one review criterion plus the four description criteria.
        ("msk-m28z1xxpd1dnr", 5, 0),
    ],
)
def test_criteria_counts_equal_the_seed(protocol_id: str, inclusion: int, exclusion: int) -> None:
    eligibility = _protocol(protocol_id).eligibility
    assert len(eligibility.inclusion) == inclusion
    assert len(eligibility.exclusion) == exclusion


@pytest.mark.parametrize("protocol_id", IDS)
def test_every_criterion_text_is_the_seed_wording(protocol_id: str) -> None:
    seed = _seed_text(protocol_id)
    eligibility = _protocol(protocol_id).eligibility
    for criterion in [*eligibility.inclusion, *eligibility.exclusion]:
        if criterion.assumed:
            # Only a placeholder for a list the source does not give may be unquoted.
            assert isinstance(criterion.rule, ReviewRule), criterion.id
            continue
        assert _normalise(criterion.text) in seed, criterion.id
        assert criterion.source, criterion.id


@pytest.mark.parametrize("protocol_id", ["szugh-msln-2024", "uclm802"])
def test_criteria_keep_the_seed_order(protocol_id: str) -> None:
    seed = _seed_text(protocol_id)
    for section in ("inclusion", "exclusion"):
        criteria = getattr(_protocol(protocol_id).eligibility, section)
        start = seed.index(f"{section.capitalize()} Criteria:")
        positions = [seed.index(_normalise(c.text), start) for c in criteria]
        assert positions == sorted(positions)


def test_szugh_criteria_cite_their_number() -> None:
    eligibility = _protocol("szugh-msln-2024").eligibility
    for section in ("inclusion", "exclusion"):
        criteria = getattr(eligibility, section)
        sources = [c.source for c in criteria]
        assert sources == [f"000 {section.capitalize()} {n}" for n in range(1, len(criteria) + 1)]


@pytest.mark.parametrize("protocol_id", IDS)
def test_endpoint_descriptions_and_time_frames_are_quoted(protocol_id: str) -> None:
    seed = _seed_text(protocol_id)
    for endpoint in _protocol(protocol_id).endpoints:
        assert _normalise(endpoint.description) in seed, endpoint.id
        if endpoint.time_frame != "not stated":
            assert _normalise(endpoint.time_frame) in seed, endpoint.id


@pytest.mark.parametrize("protocol_id", IDS)
def test_every_assumed_item_has_a_one_line_reason(protocol_id: str) -> None:
    items = list(provenance_items(_protocol(protocol_id)))
    assumed = [(path, item) for path, item in items if item.assumed]
    assert assumed
    for path, item in assumed:
        assert item.reason and item.reason.strip(), path
        assert "\n" not in item.reason.strip(), path


@pytest.mark.parametrize("protocol_id", ["szugh-msln-2024", "uclm802"])
def test_every_stated_item_cites_a_seed(protocol_id: str) -> None:
    seed_ids = {s.id for s in _protocol(protocol_id).sources}
    for path, item in provenance_items(_protocol(protocol_id)):
        if item.assumed or path.endswith("renal_adjustment_source"):
            continue
        assert item.source, path
        assert item.source.split()[0].rstrip(";") in seed_ids, path


@pytest.mark.parametrize(
    ("protocol_id", "low", "high", "levels"),
    [
        ("szugh-msln-2024", "500000", "2000000", ["500000", "1000000", "2000000"]),
        ("uclm802", "100000", "2000000", ["100000", "300000", "1000000", "2000000"]),
    ],
)
def test_dose_levels_lie_inside_the_stated_range(
    protocol_id: str, low: str, high: str, levels: list[str]
) -> None:
    protocol = _protocol(protocol_id)
    assert protocol.cell_dose.min_cells_per_kg == Decimal(low)
    assert protocol.cell_dose.max_cells_per_kg == Decimal(high)
    assert not protocol.cell_dose.assumed
    assert [d.cells_per_kg for d in protocol.dose_levels] == [Decimal(v) for v in levels]
    for level in protocol.dose_levels:
        assert Decimal(low) <= level.cells_per_kg <= Decimal(high)
        assert level.assumed, "concrete levels inside the range are not stated"


def test_identity_of_the_three_trials() -> None:
    szugh, uclm, msk = (_protocol(i) for i in ("szugh-msln-2024", "uclm802", "msk-m28z1xxpd1dnr"))
    assert (szugh.phase, szugh.planned_enrolment) == (["1", "2"], 20)
    assert szugh.sponsor == "Shenzhen University General Hospital"
    assert (uclm.phase, uclm.planned_enrolment, uclm.registry_id) == (["1"], 87, "NCT05783089")
    assert msk.phase == ["1"]
    assert msk.planned_enrolment is None
    assert msk.registry_id is None


def test_escalation_designs() -> None:
    szugh = _protocol("szugh-msln-2024").escalation
    assert szugh is not None
    assert szugh.design == "investigator_assigned"
    assert not szugh.assumed
    uclm = _protocol("uclm802").escalation
    assert uclm is not None
    assert uclm.design == "accelerated_titration_3plus3"
    assert uclm.cohort_size == 3
    assert uclm.target_dlt_rate == Decimal("0.33")
    assert uclm.accelerated_titration is not None
    assert uclm.accelerated_titration.assumed
    assert uclm.three_plus_three is not None
    assert uclm.three_plus_three.mtd_requires_six


@pytest.mark.parametrize(
    ("protocol_id", "days_stated", "infusion_assumed"),
    [("szugh-msln-2024", True, False), ("uclm802", False, True)],
)
def test_lymphodepletion_and_infusion(
    protocol_id: str, days_stated: bool, infusion_assumed: bool
) -> None:
    protocol = _protocol(protocol_id)
    ld = protocol.lymphodepletion
    assert ld is not None
    flu, cy = ld.agents
    assert (flu.agent, flu.dose_mg_per_m2_per_day, flu.days) == ("fludarabine", 30, [-5, -4, -3])
    assert (cy.agent, cy.dose_mg_per_m2_per_day, cy.days) == ("cyclophosphamide", 300, [-5, -4, -3])
    assert flu.assumed and cy.assumed  # the doses are never stated
    ld_visits = [v for v in protocol.visits if v.id.startswith("ld-")]
    assert [v.day for v in ld_visits] == [-5, -4, -3]
    assert all(v.assumed is not days_stated for v in ld_visits)
    bands = flu.renal_adjustment
    assert flu.renal_adjustment_source is not None
    assert flu.renal_adjustment_source.assumed
    assert [b.factor for b in bands] == [0, Decimal("0.8"), 1]
    factor = {
        crcl: next(b.factor for b in bands if b.contains(Decimal(crcl)))
        for crcl in ("29.9", "30", "45", "70", "70.1")
    }
    assert factor == {
        "29.9": 0,
        "30": Decimal("0.8"),
        "45": Decimal("0.8"),
        "70": Decimal("0.8"),
        "70.1": 1,
    }
    assert cy.renal_adjustment == []
    assert protocol.infusion is not None
    assert protocol.infusion.min_hours_after_lymphodepletion == 72
    assert protocol.infusion.assumed is infusion_assumed


@pytest.mark.parametrize("protocol_id", ["szugh-msln-2024", "uclm802"])
def test_visit_and_sample_schedules(protocol_id: str) -> None:
    protocol = _protocol(protocol_id)
    visit_days = [v.day for v in protocol.visits]
    assert visit_days == sorted(visit_days)
    assert 0 in visit_days
    samples = {s.analyte: s for s in protocol.samples}
    assert set(samples) == {"car_transgene_qpcr", "cytokines", "anti_drug_antibody"}
    assert samples["cytokines"].panel == ["IP-10", "IFN-γ", "IL-6", "IL-10", "TNF-α", "GM-CSF"]
    for sample in protocol.samples:
        assert set(sample.days) <= set(visit_days), sample.analyte


def test_uclm_sample_methods_are_stated_and_days_assumed() -> None:
    samples = {s.analyte: s for s in _protocol("uclm802").samples}
    assert "qPCR" in (samples["car_transgene_qpcr"].source or "")
    assert samples["car_transgene_qpcr"].assumed


def test_safety_windows() -> None:
    szugh, uclm = _protocol("szugh-msln-2024"), _protocol("uclm802")
    assert szugh.windows is not None and uclm.windows is not None
    assert szugh.windows.teae.days_after_infusion == 30
    assert not szugh.windows.teae.assumed
    assert uclm.windows.teae.days_after_infusion == 30
    assert uclm.windows.teae.assumed
    assert szugh.dlt is None
    assert uclm.dlt is not None
    assert uclm.dlt.window_days == 28
    assert "4 weeks after the CAR-T cells infusion" in (uclm.dlt.source or "")
    assert [d.id for d in uclm.dlt.definitions] == [f"D{i}" for i in range(1, 9)]
    assert all(d.assumed for d in uclm.dlt.definitions)


def test_aesi_and_response() -> None:
    uclm = _protocol("uclm802")
    terms = {a.term for a in uclm.aesi}
    assert {"Cytokine release syndrome", "Pericardial effusion", "Ascites"} <= terms
    assert all(a.assumed for a in uclm.aesi)
    assert uclm.response is not None
    assert uclm.response.default_criteria == "recist11"
    assert uclm.response.criteria_by_tumour_type == {"mesothelioma": "mrecist11"}


def test_uclm_endpoints_split_and_time_frames() -> None:
    endpoints = {e.id: e for e in _protocol("uclm802").endpoints}
    assert [e.id for e in endpoints.values() if e.type == "primary"] == [
        "ae",
        "sae",
        "aesi",
        "mtd-dlt",
    ]
    assert endpoints["mtd-dlt"].time_frame == "4 weeks after the CAR-T cells infusion"
    assert endpoints["os"].time_frame == "2 years"
    assert "death due to any cause" in endpoints["os"].description


def test_msk_listing_stays_open() -> None:
    msk = _protocol("msk-m28z1xxpd1dnr")
    assert not msk.eligibility.complete
    review = [c for c in msk.eligibility.inclusion if isinstance(c.rule, ReviewRule)]
    assert len(review) == 1
    assert msk.dose_levels == []
    assert msk.lymphodepletion is None and msk.infusion is None and msk.escalation is None
    assert msk.visits == [] and msk.samples == [] and msk.windows is None and msk.dlt is None
    assert msk.cell_dose.min_cells_per_kg is None
    assert len(msk.open_items) >= 8
    fields = {
        leaf.field: leaf.value
        for c in msk.eligibility.inclusion
        for leaf in _leaves(c.rule)
        if isinstance(leaf, FieldRule)
    }
    assert fields["msln.result"] == "positive"
    assert fields["diagnosis.extent"] == ["recurrent", "metastatic"]
    assert fields["diagnosis.peritoneal_carcinomatosis"] is True
    assert "gastric" in fields["diagnosis.tumour_type"]


# --- Criterion rules against the seed wording -------------------------------------------


def _labs(protocol_id: str, criterion_id: str) -> list[tuple[str, str, str]]:
    out = []
    for leaf in _leaves(_criterion(protocol_id, criterion_id).rule):
        if isinstance(leaf, LabRule):
            threshold = f"{leaf.value} {leaf.unit}" if leaf.value is not None else ""
            threshold = threshold or f"{leaf.times_uln} x ULN"
            out.append((leaf.test, leaf.op, threshold))
    return out


def test_szugh_age_bounds_inclusive() -> None:
    rule = _criterion("szugh-msln-2024", "inc01").rule
    assert (rule.kind, getattr(rule, "min_years", None), getattr(rule, "max_years", None)) == (
        "age",
        18,
        75,
    )


def test_szugh_haematology_exclusion_is_non_strict() -> None:
    # "WBC ≤ 1 × 10^9/L, ... ANC ≤ 0.5 ..., ALC ≤ 0.5 ..., or platelets (PLT) ≤ 25 × 10^9/L"
    assert _labs("szugh-msln-2024", "exc02") == [
        ("wbc", "<=", "1 x10^9/L"),
        ("anc", "<=", "0.5 x10^9/L"),
        ("alc", "<=", "0.5 x10^9/L"),
        ("platelets", "<=", "25 x10^9/L"),
    ]
    assert isinstance(_criterion("szugh-msln-2024", "exc02").rule, AnyOf)


def test_szugh_chemistry_exclusion_keeps_strict_and_non_strict() -> None:
    # "bilirubin ≥ 1.5 mg/dL; serum ALT or AST > 2.5 × ULN; serum creatinine ≥ 2.0 mg/dL"
    assert _labs("szugh-msln-2024", "exc03") == [
        ("total_bilirubin", ">=", "1.5 mg/dL"),
        ("alt", ">", "2.5 x ULN"),
        ("ast", ">", "2.5 x ULN"),
        ("creatinine", ">=", "2.0 mg/dL"),
    ]


def test_szugh_cardiac_and_pulmonary_thresholds() -> None:
    exc04 = {
        (leaf.field, leaf.op, leaf.value)
        for leaf in _leaves(_criterion("szugh-msln-2024", "exc04").rule)
        if isinstance(leaf, FieldRule)
    }
    assert exc04 == {("cardiac.nyha_class", ">=", 3), ("cardiac.lvef_percent", "<", 50)}
    exc05 = _criterion("szugh-msln-2024", "exc05").rule
    assert isinstance(exc05, FieldRule)
    assert (exc05.field, exc05.op, exc05.value) == ("vitals.spo2_room_air_percent", "<", 92)


def test_szugh_windows_before_enrolment() -> None:
    periods = {}
    for cid in ("exc06", "exc12", "exc15"):
        rule = _criterion("szugh-msln-2024", cid).rule
        assert isinstance(rule, WithinRule)
        periods[cid] = (str(rule.period), rule.reference)
    assert periods == {
        "exc06": ("12 months", "enrollment"),
        "exc12": ("4 weeks", "enrollment"),
        "exc15": ("3 months", "enrollment"),
    }


def test_szugh_antibody_washout_is_before_cell_therapy() -> None:
    rule = _criterion("szugh-msln-2024", "inc08").rule
    assert isinstance(rule, Not)
    assert isinstance(rule.rule, WashoutRule)
    assert (str(rule.rule.period), rule.rule.reference) == ("2 weeks", "infusion")
    assert "monoclonal_antibody" in rule.rule.classes


def test_szugh_investigator_judgements() -> None:
    for cid in ("inc10", "exc17"):
        rule = _criterion("szugh-msln-2024", cid).rule
        assert isinstance(rule, FieldRule)
        assert rule.judgement
        assert rule.field.startswith("investigator.")


def test_uclm_haematology_with_support_voiding() -> None:
    leaves = [
        leaf
        for leaf in _leaves(_criterion("uclm802", "inc07").rule)
        if isinstance(leaf, LabRule) and leaf.test in {"anc", "alc", "hemoglobin", "platelets"}
    ]
    summary = [
        (leaf.test, leaf.op, leaf.value, leaf.void_if_support_within_days, leaf.support)
        for leaf in leaves
    ]
    assert summary == [
        ("anc", ">=", Decimal("1.5"), 7, ["gcsf"]),
        ("alc", ">=", Decimal("0.5"), None, []),
        ("hemoglobin", ">=", Decimal("80"), 7, ["rbc_transfusion"]),
        ("platelets", ">=", Decimal("75"), 7, ["platelet_transfusion"]),
    ]


def test_uclm_conditional_liver_thresholds() -> None:
    rules = _criterion("uclm802", "inc07").rule
    assert isinstance(rules, AllOf)

    def branches(test: str) -> list[list[tuple[str, str]]]:
        for part in rules.rules:
            if isinstance(part, AnyOf) and any(
                isinstance(leaf, LabRule) and leaf.test == test for leaf in _leaves(part)
            ):
                return [
                    [
                        (leaf.test, f"{leaf.op} {leaf.times_uln}")
                        if isinstance(leaf, LabRule)
                        else (leaf.field, "==")
                        if isinstance(leaf, FieldRule)
                        else ("?", "?")
                        for leaf in _leaves(branch)
                    ]
                    for branch in part.rules
                ]
        raise AssertionError(test)

    assert branches("ast") == [
        [("ast", "<= 3.0")],
        [("diagnosis.liver_metastases", "=="), ("ast", "<= 5")],
    ]
    assert branches("total_bilirubin") == [
        # Gilbert's patients need DBIL <= 1.5 x ULN even with TBIL <= 1.5 x ULN
        [
            ("total_bilirubin", "<= 1.5"),
            ("history.gilberts_syndrome", "=="),
            ("direct_bilirubin", "<= 1.5"),
        ],
        [("diagnosis.liver_metastases", "=="), ("total_bilirubin", "<= 3.0")],
        [
            ("history.gilberts_syndrome", "=="),
            ("total_bilirubin", "<= 3.0"),
            ("direct_bilirubin", "<= 1.5"),
        ],
    ]


def test_uclm_renal_function_is_creatinine_or_clearance() -> None:
    rules = _criterion("uclm802", "inc07").rule
    assert isinstance(rules, AllOf)
    renal = [
        part
        for part in rules.rules
        if isinstance(part, AnyOf)
        and any(leaf.kind == "creatinine_clearance" for leaf in part.rules)
    ]
    assert len(renal) == 1
    creatinine, clearance = renal[0].rules
    assert isinstance(creatinine, LabRule)
    assert (creatinine.test, creatinine.op, creatinine.times_uln) == ("creatinine", "<=", 1.5)
    assert clearance.kind == "creatinine_clearance"
    assert (clearance.op, clearance.ml_per_min) == (">=", 60)


def test_uclm_washouts_relative_to_consent() -> None:
    rule = _criterion("uclm802", "exc01").rule
    assert isinstance(rule, AnyOf)
    washouts = [r for r in rule.rules if isinstance(r, WashoutRule)]
    assert [(str(w.period), w.half_lives, w.combine, w.reference) for w in washouts] == [
        ("4 weeks", 5, "shorter", "consent"),
        ("2 weeks", None, "shorter", "consent"),
        ("2 weeks", None, "shorter", "consent"),
        ("1 week", 5, "shorter", "consent"),
        ("1 week", None, "shorter", "consent"),
    ]
    assert washouts[1].classes == ["systemic_glucocorticoid"]
    assert washouts[1].min_prednisone_eq_mg_per_day == 10
    assert "cytotoxic_chemotherapy" in washouts[0].classes


def test_uclm_cardiac_thresholds() -> None:
    qtc = {
        (leaf.field, leaf.op, leaf.value)
        for leaf in _leaves(_criterion("uclm802", "exc13").rule)
        if isinstance(leaf, FieldRule)
    }
    assert qtc == {
        ("cardiac.qtc_ms", ">", 480),
        ("cardiac.bundle_branch_block", "==", False),
        ("cardiac.qtc_ms", ">", 450),
    }
    bp = {
        (leaf.field, leaf.op, leaf.value)
        for leaf in _leaves(_criterion("uclm802", "exc16").rule)
        if isinstance(leaf, FieldRule)
    }
    assert ("vitals.systolic_bp_mmhg", ">=", 160) in bp
    assert ("vitals.diastolic_bp_mmhg", ">=", 100) in bp


@pytest.mark.parametrize("protocol_id", ["szugh-msln-2024", "uclm802"])
def test_every_criterion_that_needed_a_reading_says_so(protocol_id: str) -> None:
    # Wording with "and/or", "including but not limited to" or an exception needs a reading.
    eligibility = _protocol(protocol_id).eligibility
    for criterion in [*eligibility.inclusion, *eligibility.exclusion]:
        if re.search(r"and/or|not limited to|, and |[Ee]xcept", criterion.text) and not (
            isinstance(criterion.rule, FieldRule) and criterion.rule.judgement
        ):
            assert criterion.interpretation, criterion.id
