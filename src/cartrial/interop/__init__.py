"""Connections to what trial sites already use (issue 18): ClinicalTrials.gov records
(``ctgov``), REDCap data dictionaries and record exports (``redcap``), CDISC ODM 1.3.2
(``odm``)."""
