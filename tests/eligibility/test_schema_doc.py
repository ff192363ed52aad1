"""The published screening-record JSON Schema is the model's (docs cannot drift)."""

from pathlib import Path

from cartrial.eligibility.schema import screening_record_schema

DOC = Path(__file__).parents[2] / "docs" / "screening-record.schema.json"


def test_published_schema_matches_the_model() -> None:
    assert DOC.read_text() == screening_record_schema(), (
        "regenerate: python -m cartrial.eligibility.schema > docs/screening-record.schema.json"
    )
