"""Eligibility screening: per-criterion verdicts with reasons, and the overall decision."""
