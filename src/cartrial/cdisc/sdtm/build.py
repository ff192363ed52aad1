"""Every domain from one source, in SDTMIG 3.4 order, with the shared mapping log."""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.ae import build_ae
from cartrial.cdisc.sdtm.biospecimen import build_be, build_bs
from cartrial.cdisc.sdtm.cm import build_cm
from cartrial.cdisc.sdtm.dm import build_dm
from cartrial.cdisc.sdtm.ds import build_ds
from cartrial.cdisc.sdtm.ex import build_ex
from cartrial.cdisc.sdtm.ie import build_ie
from cartrial.cdisc.sdtm.immunogenicity import build_is
from cartrial.cdisc.sdtm.kinetics import build_pc, build_pp
from cartrial.cdisc.sdtm.lb import build_lb
from cartrial.cdisc.sdtm.log import MappingLog
from cartrial.cdisc.sdtm.mh import build_mh
from cartrial.cdisc.sdtm.oncology import build_rs, build_tr, build_tu
from cartrial.cdisc.sdtm.reference import Context, make_context
from cartrial.cdisc.sdtm.relrec import build_relrec
from cartrial.cdisc.sdtm.supp import build_supp
from cartrial.cdisc.sdtm.trial_design import build_ta, build_te, build_ti, build_ts, build_tv
from cartrial.cdisc.sdtm.visits import build_se, build_sv
from cartrial.cdisc.sdtm.vs import build_vs
from cartrial.services.cdisc_source import SdtmSource

__all__ = ["SDTM_ORDER", "build_from_source"]

SDTM_ORDER: tuple[str, ...] = (
    "TA", "TE", "TV", "TI", "TS",
    "DM", "SE", "SV",
    "CM", "EX",
    "AE", "DS", "MH", "BE",
    "BS", "IE", "IS", "LB", "PC", "PP", "RS", "TR", "TU", "VS",
    "RELREC", "SUPPAE",
)  # fmt: skip
"""SDTMIG 3.4 order: trial design, special purpose, interventions, events, findings
(alphabetical within a class, as the IG's section 6 lists them), relationships."""


def _log_unlocked(ctx: Context) -> None:
    for code in ctx.source.unlocked:
        ctx.log.add(
            "ALL",
            subject=code,
            table="data_lock",
            field="lifted_at",
            value=None,
            expected="an active data lock on every subject at the data cut: this subject's "
            "data are not locked (an unlocked data cut)",
        )


MAPPED_ANALYTES = {
    "car_transgene_qpcr": "PC",
    "cytokines": "LB",
    "anti_drug_antibody": "IS",
}


def _log_unmapped_samples(ctx: Context) -> None:
    samples = ctx.source.tables["sample"]
    for _, s in samples[~samples["analyte"].isin(list(MAPPED_ANALYTES))].iterrows():
        ctx.log.add(
            "CP",
            subject=str(ctx.ref.at[s["subject_id"], "code"]),
            table="sample",
            record_id=s["id"],
            field="analyte",
            value=s["analyte"],
            expected="an analyte with a domain here ("
            + ", ".join(f"{k} -> {v}" for k, v in MAPPED_ANALYTES.items())
            + "); CAR+ cells by flow cytometry belong in CP, which is not built: not mapped",
        )


def build_from_source(source: SdtmSource) -> tuple[list[Dataset], MappingLog]:
    """The datasets (SDTM_ORDER) and the mapping log of ``source``."""
    ctx = make_context(source)
    _log_unlocked(ctx)
    _log_unmapped_samples(ctx)
    built: dict[str, Dataset] = {}
    dm = build_dm(ctx)
    by_usubjid = pd.Series(dm.frame["RFPENDTC"].to_numpy(), index=dm.frame["USUBJID"])
    rfpendtc = pd.Series(ctx.ref["USUBJID"].map(by_usubjid).to_numpy(), index=ctx.ref.index)
    built["DM"] = dm
    for build in (build_te, build_ta, build_tv, build_ti, build_sv, build_cm, build_ex,
                  build_mh, build_be, build_bs, build_ie, build_is, build_lb, build_pc, build_pp,
                  build_rs, build_tr, build_tu, build_vs):  # fmt: skip
        d = build(ctx)
        built[d.name] = d
    built["TS"] = build_ts(ctx, dm)
    built["SE"] = build_se(ctx, rfpendtc)
    built["DS"] = build_ds(ctx, rfpendtc)
    ae, supp_ae = build_ae(ctx)
    built["AE"] = ae
    built["SUPPAE"] = build_supp(ctx, "AE", supp_ae)
    built["RELREC"] = build_relrec(ctx, ae, built["CM"], built["PC"], built["PP"])
    return [built[n] for n in SDTM_ORDER if n in built], ctx.log
