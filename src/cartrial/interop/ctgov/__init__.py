"""A protocol YAML skeleton from a ClinicalTrials.gov study record (API v2 JSON)."""
