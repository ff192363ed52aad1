"""Provenance of protocol values: stated by the source, or assumed with a reason.

A protocol file transcribes a registry record. Where the record states a value,
the item cites the place (``source``). Where it does not and cartrial needs a
value to work (concrete dose levels inside a stated range, chemotherapy doses,
visit windows), the item says ``assumed: true`` and gives a one-line ``reason``,
so a user sees at once what came from the registry and what is a default to
confirm against the full protocol.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["Provenance", "StrictModel"]


class StrictModel(BaseModel):
    """Base of every protocol model: unknown keys are errors, instances immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(StrictModel):
    """Where a protocol item came from.

    ``source`` names the seed document and section the value was taken from;
    ``assumed`` marks a value the source does not state, and then ``reason``
    (one line) is required.
    """

    source: str | None = None
    assumed: bool = False
    reason: str | None = None

    @model_validator(mode="after")
    def _assumed_needs_reason(self) -> Provenance:
        if self.assumed and not (self.reason and self.reason.strip()):
            raise ValueError("an assumed value needs a one-line 'reason'")
        if self.reason and "\n" in self.reason.strip():
            raise ValueError("'reason' must be one line")
        return self
