"""ICANS grading against the ASTCT consensus (Lee et al., BBMT 2019;25:625, Tables 5 and 6).

Expected grades are read off the published table by hand (CLINICAL_RULES.md section 3.2).
"""

from __future__ import annotations

from typing import Any

from cartrial.safety.astct import grade_icans
from cartrial.safety.astct_input import load_icans_file

T = "2026-03-05T09:00"


def icans(*assessments: dict[str, Any]) -> Any:
    record = load_icans_file(
        {"patient": "P01", "infusion": "2026-03-01T10:00", "assessments": list(assessments)}
    )
    return grade_icans(assessments=record.assessments, infusion=record.infusion)


def ice(total: int) -> dict[str, int]:
    """ICE components adding up to ``total`` (orientation 4, naming 3, then 1 each)."""
    parts = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}
    missing = 10 - total
    out = {}
    for name, top in parts.items():
        take = min(top, missing)
        out[name] = top - take
        missing -= take
    return out


def test_icans_ice_10_is_no_icans() -> None:
    assert icans({"time": T, "ice": ice(10)}).grade == 0


def test_icans_grade1_ice_9_and_7() -> None:
    assert icans({"time": T, "ice": ice(9)}).grade == 1
    assert icans({"time": T, "ice": ice(7)}).grade == 1


def test_icans_grade2_ice_6_and_3() -> None:
    assert icans({"time": T, "ice": ice(6)}).grade == 2
    assert icans({"time": T, "ice": ice(3)}).grade == 2


def test_icans_grade3_ice_2_and_0() -> None:
    result = icans({"time": T, "ice": ice(2)})
    assert result.grade == 3
    assert result.reason == "ICANS grade 3: ICE score 2/10 (0-2) on day 4"
    assert icans({"time": T, "ice": ice(0)}).grade == 3


def test_icans_ice_components_are_summed() -> None:
    # Orientation 3/4, naming 2/3, commands 1, writing 0, attention 0 = 6 -> grade 2.
    components = {"orientation": 3, "naming": 2, "commands": 1, "writing": 0, "attention": 0}
    result = icans({"time": T, "ice": components})
    assert result.reason == "ICANS grade 2: ICE score 6/10 (3-6) on day 4"


def test_icans_grade3_awake_with_global_aphasia() -> None:
    assert icans({"time": T, "ice_unable": "global_aphasia"}).grade == 3


def test_icans_grade4_unarousable_unable_to_perform_ice() -> None:
    result = icans({"time": T, "ice_unable": "unarousable", "consciousness": "unarousable"})
    assert result.grade == 4


def test_icans_consciousness_levels() -> None:
    expected = {
        "awakens_spontaneously": 1,
        "awakens_to_voice": 2,
        "awakens_to_tactile": 3,
        "unarousable": 4,
        "stupor": 4,
        "coma": 4,
    }
    for level, grade in expected.items():
        assert icans({"time": T, "ice": ice(10), "consciousness": level}).grade == grade, level


def test_icans_sedation_explains_depressed_consciousness() -> None:
    result = icans(
        {
            "time": T,
            "ice": ice(10),
            "consciousness": "awakens_to_voice",
            "consciousness_other_cause": True,
        }
    )
    assert result.grade == 0


def test_icans_grade3_seizure_resolving_rapidly() -> None:
    for kind in ("focal", "generalised"):
        result = icans({"time": T, "ice": ice(10), "seizure": {"type": kind, "duration_min": 2}})
        assert result.grade == 3, kind


def test_icans_grade3_non_convulsive_eeg_seizure_resolving_with_intervention() -> None:
    result = icans({"time": T, "seizure": {"type": "non_convulsive_eeg"}})
    assert result.reason == (
        "ICANS grade 3: non-convulsive seizures on EEG resolving with intervention on day 4"
    )


def test_icans_seizure_of_exactly_5_min_is_grade3_over_5_is_grade4() -> None:
    assert icans({"time": T, "seizure": {"type": "generalised", "duration_min": 5}}).grade == 3
    assert icans({"time": T, "seizure": {"type": "generalised", "duration_min": 5.5}}).grade == 4


def test_icans_grade4_repetitive_seizures_without_return_to_baseline() -> None:
    result = icans(
        {"time": T, "seizure": {"type": "non_convulsive_eeg", "returns_to_baseline": False}}
    )
    assert result.grade == 4


def test_icans_ice_3_with_generalised_seizure_is_grade3() -> None:
    # Lee 2019 example: the most severe domain decides.
    result = icans({"time": T, "ice": ice(3), "seizure": {"type": "generalised"}})
    assert result.grade == 3


def test_icans_grade4_deep_focal_motor_weakness() -> None:
    assert icans({"time": T, "motor": "hemiparesis"}).grade == 4
    assert icans({"time": T, "motor": "paraparesis"}).grade == 4


def test_icans_tremor_and_myoclonus_do_not_count() -> None:
    result = icans({"time": T, "ice": ice(10), "motor": "tremor"})
    assert result.grade == 0
    assert "tremor is graded by CTCAE" in result.days[0].reason


def test_icans_grade3_focal_cerebral_oedema() -> None:
    assert icans({"time": T, "cerebral_oedema": "focal"}).grade == 3


def test_icans_grade4_diffuse_cerebral_oedema() -> None:
    result = icans({"time": T, "cerebral_oedema": "diffuse"})
    assert result.reason == "ICANS grade 4: diffuse cerebral oedema on neuroimaging on day 4"


def test_icans_grade4_raised_icp_signs() -> None:
    for sign in ("papilloedema", "cranial_nerve_vi_palsy", "cushings_triad"):
        assert icans({"time": T, "icp_signs": [sign]}).grade == 4, sign


def test_icans_intracranial_haemorrhage_is_excluded() -> None:
    result = icans({"time": T, "ice": ice(10), "intracranial_haemorrhage": True})
    assert result.grade == 0


def test_icans_grade5_death() -> None:
    assert icans({"time": T, "death_due_to_icans": True}).grade == 5


def test_icans_worst_day_onset_and_resolution() -> None:
    result = icans(
        {"time": "2026-03-05T09:00", "ice": ice(8)},
        {"time": "2026-03-06T09:00", "ice": ice(2)},
        {"time": "2026-03-06T21:00", "ice": ice(5)},
        {"time": "2026-03-08T09:00", "ice": ice(10)},
    )
    assert [(d.study_day, d.grade) for d in result.days] == [(4, 1), (5, 3), (7, 0)]
    assert result.grade == 3
    assert result.onset_day == 4
    assert result.duration_days == 2
    assert str(result.resolved_at) == "2026-03-08 09:00:00"


def test_icans_unable_to_perform_ice_because_unarousable_alone_is_grade4() -> None:
    result = icans({"time": T, "ice_unable": "unarousable"})
    assert result.reason == "ICANS grade 4: unarousable and unable to perform ICE on day 4"


def test_icans_child_capd_8_is_grade1_and_with_voice_arousal_grade2() -> None:
    # Lee 2019 Table 7: CAPD 1-8 with awakening spontaneously = 1, to voice = 2.
    assert icans({"time": T, "capd": 8}).grade == 1
    assert icans({"time": T, "capd": 8, "consciousness": "awakens_to_voice"}).grade == 2


def test_icans_child_capd_9_is_grade3_unable_is_grade4() -> None:
    assert icans({"time": T, "capd": 9}).reason == "ICANS grade 3: CAPD score 9 (>= 9) on day 4"
    assert icans({"time": T, "capd_unable": True}).grade == 4
