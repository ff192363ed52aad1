"""SDTM (SDTMIG 3.4) datasets of a trial, built from its database (issue 16).

:func:`build_sdtm` reads the protocol's records in one snapshot
(:func:`cartrial.services.cdisc_source.read_sdtm_source`), builds every domain with
its own module (one domain or family per module, each citing its SDTMIG section)
and returns them in the order SDTMIG 3.4 lists them, with the mapping log of
everything not mapped. The controlled terminology is
:mod:`cartrial.cdisc.terminology` (:data:`~cartrial.cdisc.terminology.CT_VERSION`).
Files and the CLI are elsewhere (``cartrial.cdisc.formats``, ``cartrial cdisc sdtm``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.build import SDTM_ORDER, build_from_source
from cartrial.cdisc.sdtm.log import MappingEntry, MappingLog
from cartrial.cdisc.terminology import CT_VERSION
from cartrial.services.cdisc_source import read_sdtm_source
from cartrial.services.context import Sessions

__all__ = ["CT_VERSION", "SDTM_ORDER", "MappingEntry", "MappingLog", "SdtmBuild", "build_sdtm"]


@dataclass(frozen=True)
class SdtmBuild:
    """The SDTM datasets of one protocol's trial and the log of what was not mapped."""

    protocol_id: str
    data_cut: dt.datetime
    datasets: list[Dataset]
    mapping_log: MappingLog
    ct_version: str = CT_VERSION

    def dataset(self, name: str) -> Dataset:
        """The dataset ``name``; KeyError lists those built."""
        for d in self.datasets:
            if d.name == name:
                return d
        raise KeyError(f"no SDTM dataset {name!r}; built: {[d.name for d in self.datasets]}")


def build_sdtm(
    sessions: Sessions, protocol_id: str | None = None, *, as_of: dt.datetime | None = None
) -> SdtmBuild:
    """Every SDTM dataset of ``protocol_id`` (the only protocol when None) at ``as_of``."""
    source = read_sdtm_source(sessions, protocol_id, as_of=as_of)
    datasets, log = build_from_source(source)
    return SdtmBuild(source.protocol.id, source.data_cut, datasets, log)
