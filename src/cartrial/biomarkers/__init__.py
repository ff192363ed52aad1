"""Biomarkers after CAR-T infusion: cytokines, anti-drug antibodies, exposure-response."""
