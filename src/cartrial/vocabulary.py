"""Controlled vocabularies of the trial, shared by protocols, engines, records and the web.

A protocol that names a tumour type and a record that carries one must use the
same words, or a criterion would fail silently on a spelling; both validate
against these lists. The same holds for the trial's other words: the subject's
lifecycle, lot and query statuses, DLT outcomes, escalation actions, assays,
roles and signature meanings are defined here, in the domain layer; the store
builds its CHECK constraints from them and the services and the web validate
input against them (issue 12).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ASSAYS",
    "DLT_OUTCOMES",
    "ESCALATION_ACTIONS",
    "GRADING_SCALES",
    "LEGACY_ESCALATION_ACTIONS",
    "LESION_KINDS",
    "LESION_TYPES",
    "LOT_STATUSES",
    "QUERY_STATUSES",
    "ROLES",
    "SIGNATURE_MEANINGS",
    "STATUSES",
    "TRANSITIONS",
    "TumourType",
]


class TumourType(StrEnum):
    """Primary tumour types of mesothelin-expressing solid tumours (seed 001's list and seed 003).

    Seed 001 lists "mesothelioma, pancreatic cancer, biliary tract cancer, lung cancer,
    ovarian cancer, gastric cancer, bowel cancer, thymic carcinoma, esophageal cancer,
    breast cancer, endometrial cancer"; seed 003 adds esophagogastric junction cancer.
    Bowel cancer is recorded as ``colorectal``.
    """

    mesothelioma = "mesothelioma"
    pancreatic = "pancreatic"
    biliary_tract = "biliary_tract"
    lung = "lung"
    ovarian = "ovarian"
    gastric = "gastric"
    esophageal = "esophageal"
    esophagogastric_junction = "esophagogastric_junction"
    colorectal = "colorectal"
    thymic_carcinoma = "thymic_carcinoma"
    breast = "breast"
    endometrial = "endometrial"
    cervical = "cervical"
    other_solid = "other_solid"


# --- the subject's lifecycle ---------------------------------------------------------

#: Allowed next statuses of a subject (issue 7's lifecycle); the store refuses any
#: other change before it reaches the database (21 CFR 11.10(f), operational
#: sequence checks), and its CHECK constraint allows only :data:`STATUSES`.
#:
#: A death may be recorded after the end of treatment: from ``completed`` and from
#: ``withdrawn``. Subjects given gene-modified cells are followed for up to 15
#: years (FDA guidance "Long Term Follow-up After Administration of Human Gene
#: Therapy Products", January 2020), so a death after the main study is completed
#: is trial data. ``screen_failed`` stays final: a screen failure never received the
#: product, so the guidance's follow-up (of subjects exposed to it) does not apply,
#: the protocol does not follow them after screening, and a later death is not
#: collected; recording one would put a subject back in the trial's data without a
#: protocol reason. ``died`` is final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "screening": ("screen_failed", "enrolled", "withdrawn", "died"),
    "screen_failed": (),
    "enrolled": ("apheresed", "withdrawn", "died"),
    "apheresed": ("manufacturing", "withdrawn", "died"),
    "manufacturing": ("lymphodepleted", "withdrawn", "died"),
    "lymphodepleted": ("infused", "withdrawn", "died"),
    "infused": ("follow_up", "withdrawn", "died"),
    "follow_up": ("completed", "withdrawn", "died"),
    "completed": ("died",),
    "withdrawn": ("died",),
    "died": (),
}
#: Every subject status, in lifecycle order.
STATUSES: tuple[str, ...] = tuple(TRANSITIONS)

# --- product, data management, safety ------------------------------------------------

#: Release status of a manufactured CAR-T lot.
LOT_STATUSES = ("manufacturing", "released", "rejected")
#: A data query on one field: open -> answered -> closed.
QUERY_STATUSES = ("open", "answered", "closed")
#: A subject's DLT adjudication (``cartrial.safety.dlt``): a DLT, none, window still
#: open, or not evaluable (e.g. withdrawn inside the window without a DLT).
DLT_OUTCOMES = ("yes", "no", "pending", "not_evaluable")
#: The escalation engine's own words (``cartrial.escalation.engine.NextDecision.action``,
#: ``cartrial.escalation.base.Action``): a committee records the engine's decision as
#: the engine says it. ``expand`` is more patients at the same level (3+3: 1 DLT in 3
#: -> 6); the expansion *phase* at the RP2D is ``stay`` with its reason
#: (``cartrial.services.safety.EXPANSION``).
ESCALATION_ACTIONS = ("escalate", "stay", "de-escalate", "expand", "stop", "wait")
#: Words the store kept before revision 0008 and still holds in decisions recorded
#: then ("deescalate" = "de-escalate"): signed records are never rewritten, because
#: the signature is bound to the record's content (21 CFR 11.70).
LEGACY_ESCALATION_ACTIONS = ("deescalate",)
#: Grading scales of an adverse event: CTCAE v5.0, or ASTCT 2019 for CRS/ICANS.
GRADING_SCALES = ("ctcae_v5", "astct_2019")
#: RECIST 1.1 lesion categories at an assessment.
LESION_KINDS = ("target", "non_target", "new")
#: Kinds of lesion that decide RECIST 1.1 measurability apart from size (sections
#: 3.1.2-3.1.3); ``cartrial.response.lesions.LesionType`` spells the same words.
LESION_TYPES = (
    "mass",
    "cystic",
    "bone_soft_tissue",
    "bone_blastic",
    "bone_lytic_without_soft_tissue",
    "pleural_effusion",
    "pericardial_effusion",
    "ascites",
    "leptomeningeal",
    "inflammatory_breast",
    "lymphangitic_skin",
    "lymphangitic_lung",
    "abdominal_mass_by_exam",
)
#: Assays run on a subject's samples: CAR transgene copies (qPCR), CAR-T cells
#: (flow cytometry), cytokines, anti-drug antibodies.
ASSAYS = ("car_transgene_qpcr", "car_t_flow", "cytokines", "anti_drug_antibody")

# --- people and signatures -----------------------------------------------------------

#: Roles of issue 7; "sponsor-wide" is a grant without a site, not a role.
ROLES = (
    "admin",
    "investigator",
    "coordinator",
    "data_manager",
    "monitor",
    "statistician",
    "safety_committee",
)

#: Signature meanings (21 CFR 11.50(a)(3)): code -> the statement the signer attests.
SIGNATURE_MEANINGS = {
    "eligibility": "I confirm this subject's eligibility",
    "dlt": "I adjudicate this DLT",
    "escalation": "I approve this escalation decision",
    "lock": "I approve locking these data",
}
