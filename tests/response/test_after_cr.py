"""After an overall CR: what counts as a reappearing lesion (RECIST 1.1 Table 1, EORTC FAQ).

Eisenhauer et al. 2009, Table 1: target CR with non-target "not evaluated" and no new
lesion is PR; target CR with non-target non-CR/non-PD is PR. The EORTC RECIST FAQ makes a
lesion that reappears after a CR progression. Reappearance is read from the observations
(a target measured again, a lymph node back to >= 10 mm short axis, a non-target present
again, a new lesion), never from the derived label: a PR after a CR that only reflects a
non-target left unevaluated, or tumour markers not yet normal, is not PD.
"""

from __future__ import annotations

from cartrial.response.irecist import derive_itimepoint_responses
from cartrial.response.recist import derive_timepoint_responses
from tests.response.build import nt, subject, tgt, visit

LESIONS = [
    tgt("T1", "liver", 20),
    tgt("N1", "mediastinal node", 18, nodal=True),
    nt("NT1", "pleura"),
]
CR = {"T1": "disappeared", "N1": 8, "NT1": "absent"}


def test_cr_then_non_target_not_evaluated_is_pr_not_pd() -> None:
    visits = [visit(42, CR), visit(84, {"T1": "disappeared", "N1": 8, "NT1": "not_evaluated"})]
    tps = derive_timepoint_responses(subject(LESIONS, visits))
    assert [(t.target, t.non_target, t.overall) for t in tps] == [
        ("CR", "CR", "CR"),
        ("CR", "NE", "PR"),
    ]
    assert tps[1].reappeared == []
    assert not any("reappear" in r for r in tps[1].reasons)


def test_cr_then_markers_abnormal_is_pr_not_pd() -> None:
    visits = [visit(42, CR), visit(84, CR, markers_normal=False)]
    tps = derive_timepoint_responses(subject(LESIONS, visits))
    assert [t.overall for t in tps] == ["CR", "PR"]


def test_cr_then_non_target_present_again_is_pd() -> None:
    visits = [visit(42, CR), visit(84, {"T1": "disappeared", "N1": 8, "NT1": "present"})]
    tps = derive_timepoint_responses(subject(LESIONS, visits))
    assert [t.overall for t in tps] == ["CR", "PD"]
    assert tps[1].reappeared == ["NT1"]


def test_cr_then_node_back_to_pathological_size_is_pd() -> None:
    # N1 8 -> 12 mm: +4 mm over the nadir (not target PD), sum 12 mm is PR against 38 mm,
    # but a node >= 10 mm short axis is pathological again: reappearance after CR.
    visits = [visit(42, CR), visit(84, {"T1": "disappeared", "N1": 12, "NT1": "absent"})]
    tps = derive_timepoint_responses(subject(LESIONS, visits))
    assert [(t.target, t.overall) for t in tps] == [("CR", "CR"), ("PR", "PD")]
    assert tps[1].reappeared == ["N1"]


def test_cr_then_node_still_normal_stays_cr() -> None:
    visits = [visit(42, CR), visit(84, {"T1": "disappeared", "N1": 9, "NT1": "absent"})]
    assert [t.overall for t in derive_timepoint_responses(subject(LESIONS, visits))] == [
        "CR",
        "CR",
    ]


def test_icr_then_non_target_not_evaluated_is_ipr_not_iupd() -> None:
    visits = [visit(42, CR), visit(84, {"T1": "disappeared", "N1": 8, "NT1": "not_evaluated"})]
    tps = derive_itimepoint_responses(subject(LESIONS, visits))
    assert [t.overall for t in tps] == ["iCR", "iPR"]
