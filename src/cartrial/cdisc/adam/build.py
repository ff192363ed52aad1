"""Every ADaM dataset from the SDTM datasets, in dependency order.

ADSL first (populations and dates every other dataset merges), then ADAE, ADLB, ADRS,
ADTTE (from ADRS's time points and the protocol's BOR), ADPC, ADPP and ADDLT. The protocol
supplies the analysis parameters a statistical analysis plan would (TEAE window, DLT
window, response confirmation); nothing is read from the trial database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cartrial.cdisc.adam.adae import derive_adae
from cartrial.cdisc.adam.addlt import derive_addlt, dlt_onsets
from cartrial.cdisc.adam.adlb import derive_adlb
from cartrial.cdisc.adam.adpc import derive_adpc, derive_adpp
from cartrial.cdisc.adam.adrs import derive_adrs, protocol_bor_param
from cartrial.cdisc.adam.adsl import derive_adsl
from cartrial.cdisc.adam.adtte import derive_adtte
from cartrial.cdisc.adam.source import SdtmSource
from cartrial.cdisc.dataset import Dataset
from cartrial.protocol.model import Protocol

__all__ = ["AdamBuild", "build_adam"]


@dataclass(frozen=True)
class AdamBuild:
    """The ADaM datasets, ADSL first."""

    datasets: list[Dataset]

    def dataset(self, name: str) -> Dataset:
        for d in self.datasets:
            if d.name == name:
                return d
        raise KeyError(f"no ADaM dataset {name!r}")


def build_adam(
    source: SdtmSource, *, protocol: Protocol, data_cut: dt.date | None = None
) -> AdamBuild:
    """ADSL, ADAE, ADLB, ADRS, ADTTE, ADPC, ADPP and ADDLT from ``source``."""
    onsets = dlt_onsets(source, protocol)
    adsl = derive_adsl(
        source,
        protocol=protocol,
        dlt_dates={s: d for s, (d, _) in onsets.items()},
        data_cut=data_cut,
    )
    sl = adsl.frame
    adrs, points = derive_adrs(source, sl, protocol)
    main = protocol_bor_param(protocol)
    bor = adrs.frame[adrs.frame["PARAMCD"] == main]
    best: dict[str, tuple[str, dt.date | None]] = {
        str(s): (str(v), d)
        for s, v, d in zip(bor["USUBJID"], bor["AVALC"], bor["ADT"], strict=True)
    }
    return AdamBuild(
        [
            adsl,
            derive_adae(source, sl, protocol),
            derive_adlb(source, sl),
            adrs,
            derive_adtte(sl, points, best),
            derive_adpc(source, sl),
            derive_adpp(source, sl),
            derive_addlt(sl, onsets, protocol),
        ]
    )
