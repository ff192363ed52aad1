"""Which table or figure of the study report answers each registered outcome measure.

The outcome measures are the bundled protocols' ``endpoints`` (each with its registry
source: NCT05783089 as seeds 001/002 give it for ``uclm802``; the Shenzhen University
General Hospital record, seed 000, for ``szugh-msln-2024``; seed 003 for
``msk-m28z1xxpd1dnr``). The map is data: endpoint id -> the keys of the tables and
figures (:class:`cartrial.report.study.model.Table` ``key``) that answer it, and a note
where the answer is partial. ``tests/report/study`` checks that every endpoint of every
bundled protocol is mapped and that every key is a table or figure of the report.
"""

from __future__ import annotations

__all__ = ["ANSWERS", "PARTIAL"]

ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "uclm802": {
        "ae": ("teae", "trae", "lab_shifts"),
        "sae": ("sae",),
        "aesi": ("aesi", "crs", "icans"),
        "mtd-dlt": ("dlts", "mtd_rp2d", "decisions"),
        "orr": ("orr_dcr", "bor"),
        "dcr": ("orr_dcr", "bor"),
        "dor": ("km",),
        "pfs": ("km", "km_pfs"),
        "os": ("km", "km_os"),
        "cytokines": ("cytokines", "cytokine_peaks"),
        "biodistribution": ("nca_by_level", "spaghetti", "mean_profile", "persistence"),
        "tmax": ("nca_by_level", "nca_subjects"),
        "auc": ("nca_by_level", "nca_subjects", "exposure_dose"),
        "cmax": ("nca_by_level", "nca_subjects", "exposure_dose"),
        "ada": ("ada",),
        "rp2d": ("mtd_rp2d",),
    },
    "szugh-msln-2024": {
        "teae-30d": ("teae", "crs", "icans"),
        "traes": ("trae",),
        "orr-8w": ("orr_window",),
        "os-6m": ("km", "km_os"),
        "pfs-6m": ("km", "km_pfs"),
        "expansion-persistence": ("nca_by_level", "spaghetti", "mean_profile", "persistence"),
        "clinical-response-2y": ("bor", "bor_listing"),
        "expansion-correlation": ("exposure_response", "exposure_response_figure"),
    },
    "msk-m28z1xxpd1dnr": {
        "safety": ("teae", "trae", "crs", "icans"),
        "best-dose": ("mtd_rp2d", "dlts"),
        "efficacy": ("orr_dcr", "bor"),
    },
}

#: Endpoint id -> what the report does not give (stated beside the answer).
PARTIAL: dict[str, str] = {
    "auc": "AUC0-inf is not reported: the NCA reports AUC0-tlast (lambda-z of CAR-T "
    "contraction phases is rarely estimable over a 2-year profile)",
    "tmax": "blood only: no bone-marrow samples are scheduled by the protocol file",
    "cmax": "blood only: no bone-marrow samples are scheduled by the protocol file",
}
