"""Controlled vocabularies shared by protocols and records.

A protocol that names a tumour type and a record that carries one must use the
same words, or a criterion would fail silently on a spelling; both validate
against these lists.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TumourType"]


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
