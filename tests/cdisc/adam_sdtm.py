"""A hand-built SDTM (SDTMIG 3.4 variable names) of four subjects, for the ADaM tests.

Every date is chosen so the expected ADaM values can be worked out by hand (see the tests):

- 001: lymphodepletion 2026-01-02, infusion 2026-01-05 10:00; PR on day 42 confirmed on
  day 70, PD on day 126; last visit 2026-06-01; TEAEs on day 1 and day 30, not on day 31;
  ANC grade 0 at baseline, 4 then 3; CAR transgene samples with a BLQ one.
- 002: infused 2026-02-04, DLT (CRS grade 4) on 2026-02-06, died 2026-02-20, no response.
- 003: screen failure, never treated.
- 004: infused 2026-03-02, SD on day 14 (before the 42-day SD minimum), withdrew 2026-03-20.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.adam.source import SdtmSource

STUDY = "UCLM802"


def _frame(domain: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.insert(0, "STUDYID", STUDY)
    frame.insert(1, "DOMAIN", domain)
    return frame


def sdtm() -> SdtmSource:
    dm = _frame(
        "DM",
        [
            {"USUBJID": "UCLM802-001", "SUBJID": "001", "SITEID": "01", "AGE": 61,
             "AGEU": "YEARS", "SEX": "F", "RACE": "WHITE", "ETHNIC": "NOT HISPANIC OR LATINO",
             "ARMCD": "DL1", "ARM": "DL1", "ACTARMCD": "DL1", "ACTARM": "DL1",
             "DTHDTC": None, "DTHFL": None},
            {"USUBJID": "UCLM802-002", "SUBJID": "002", "SITEID": "01", "AGE": 55,
             "AGEU": "YEARS", "SEX": "M", "RACE": "ASIAN", "ETHNIC": "NOT HISPANIC OR LATINO",
             "ARMCD": "DL2", "ARM": "DL2", "ACTARMCD": "DL2", "ACTARM": "DL2",
             "DTHDTC": "2026-02-20", "DTHFL": "Y"},
            {"USUBJID": "UCLM802-003", "SUBJID": "003", "SITEID": "02", "AGE": 70,
             "AGEU": "YEARS", "SEX": "M", "RACE": "WHITE", "ETHNIC": "HISPANIC OR LATINO",
             "ARMCD": "SCRNFAIL", "ARM": "Screen Failure", "ACTARMCD": "SCRNFAIL",
             "ACTARM": "Screen Failure", "DTHDTC": None, "DTHFL": None},
            {"USUBJID": "UCLM802-004", "SUBJID": "004", "SITEID": "02", "AGE": 48,
             "AGEU": "YEARS", "SEX": "F", "RACE": "WHITE", "ETHNIC": "NOT HISPANIC OR LATINO",
             "ARMCD": "DL1", "ARM": "DL1", "ACTARMCD": "DL1", "ACTARM": "DL1",
             "DTHDTC": None, "DTHFL": None},
        ],
    )  # fmt: skip
    ex = _frame(
        "EX",
        [
            {"USUBJID": "UCLM802-001", "EXSEQ": 1, "EXTRT": "FLUDARABINE", "EXDOSE": 30.0,
             "EXDOSU": "mg/m2", "EXSTDTC": "2026-01-02T09:00"},
            {"USUBJID": "UCLM802-001", "EXSEQ": 2, "EXTRT": "MESOTHELIN CAR-T", "EXDOSE": 1.0e6,
             "EXDOSU": "cells/kg", "EXSTDTC": "2026-01-05T10:00"},
            {"USUBJID": "UCLM802-002", "EXSEQ": 1, "EXTRT": "CYCLOPHOSPHAMIDE", "EXDOSE": 500.0,
             "EXDOSU": "mg/m2", "EXSTDTC": "2026-02-01T09:00"},
            {"USUBJID": "UCLM802-002", "EXSEQ": 2, "EXTRT": "MESOTHELIN CAR-T", "EXDOSE": 3.0e6,
             "EXDOSU": "cells/kg", "EXSTDTC": "2026-02-04T11:30"},
            {"USUBJID": "UCLM802-004", "EXSEQ": 1, "EXTRT": "MESOTHELIN CAR-T", "EXDOSE": 1.0e6,
             "EXDOSU": "cells/kg", "EXSTDTC": "2026-03-02T10:00"},
        ],
    )  # fmt: skip
    ds = _frame(
        "DS",
        [
            {"USUBJID": "UCLM802-004", "DSSEQ": 1, "DSCAT": "DISPOSITION EVENT",
             "DSDECOD": "WITHDRAWAL BY SUBJECT", "DSSTDTC": "2026-03-20"},
            {"USUBJID": "UCLM802-002", "DSSEQ": 1, "DSCAT": "DISPOSITION EVENT",
             "DSDECOD": "DEATH", "DSSTDTC": "2026-02-20"},
        ],
    )  # fmt: skip
    ae = _frame(
        "AE",
        [
            {"USUBJID": "UCLM802-001", "AESEQ": 1, "AETERM": "Fatigue", "AEDECOD": "Fatigue",
             "AEBODSYS": "General disorders", "AESER": "N", "AETOXGR": "1",
             "AESTDTC": "2025-12-20", "AEENDTC": "2025-12-28"},
            {"USUBJID": "UCLM802-001", "AESEQ": 2, "AETERM": "Cytokine release syndrome",
             "AEDECOD": "Cytokine release syndrome", "AEBODSYS": "Immune system disorders",
             "AESER": "Y", "AETOXGR": "2", "AESTDTC": "2026-01-06", "AEENDTC": "2026-01-09"},
            {"USUBJID": "UCLM802-001", "AESEQ": 3, "AETERM": "Nausea", "AEDECOD": "Nausea",
             "AEBODSYS": "Gastrointestinal disorders", "AESER": "N", "AETOXGR": "3",
             "AESTDTC": "2026-02-04", "AEENDTC": "2026-02-06"},
            {"USUBJID": "UCLM802-001", "AESEQ": 4, "AETERM": "Nausea", "AEDECOD": "Nausea",
             "AEBODSYS": "Gastrointestinal disorders", "AESER": "N", "AETOXGR": "1",
             "AESTDTC": "2026-01-20", "AEENDTC": "2026-01-21"},
            {"USUBJID": "UCLM802-001", "AESEQ": 5, "AETERM": "Rash",
             "AEDECOD": "Rash maculo-papular", "AEBODSYS": "Skin disorders", "AESER": "N",
             "AETOXGR": "1",
             "AESTDTC": "2026-02-05", "AEENDTC": None},
            {"USUBJID": "UCLM802-002", "AESEQ": 1, "AETERM": "Cytokine release syndrome",
             "AEDECOD": "Cytokine release syndrome", "AEBODSYS": "Immune system disorders",
             "AESER": "Y", "AETOXGR": "4", "AESTDTC": "2026-02-06", "AEENDTC": None},
            {"USUBJID": "UCLM802-004", "AESEQ": 1, "AETERM": "Headache", "AEDECOD": "Headache",
             "AEBODSYS": "Nervous system disorders", "AESER": "N", "AETOXGR": "1",
             "AESTDTC": "2026-03-10", "AEENDTC": "2026-03-25"},
        ],
    )  # fmt: skip
    suppae = _frame(
        "SUPPAE",
        [{"RDOMAIN": "AE", "USUBJID": "UCLM802-002", "IDVAR": "AESEQ", "IDVARVAL": "1",
          "QNAM": "AEDLT", "QLABEL": "Dose-Limiting Toxicity", "QVAL": "Y"}],
    ).drop(columns="DOMAIN")  # fmt: skip
    lb = _frame(
        "LB",
        [
            {"USUBJID": "UCLM802-001", "LBSEQ": 1, "LBTESTCD": "NEUT", "LBTEST": "Neutrophils",
             "LBSTRESN": 3.0, "LBSTRESU": "10^9/L", "LBTOXGR": "0", "LBDTC": "2026-01-01",
             "LBLOBXFL": "Y"},
            {"USUBJID": "UCLM802-001", "LBSEQ": 2, "LBTESTCD": "NEUT", "LBTEST": "Neutrophils",
             "LBSTRESN": 0.4, "LBSTRESU": "10^9/L", "LBTOXGR": "4", "LBDTC": "2026-01-08",
             "LBLOBXFL": None},
            {"USUBJID": "UCLM802-001", "LBSEQ": 3, "LBTESTCD": "NEUT", "LBTEST": "Neutrophils",
             "LBSTRESN": 0.8, "LBSTRESU": "10^9/L", "LBTOXGR": "3", "LBDTC": "2026-01-15",
             "LBLOBXFL": None},
        ],
    )  # fmt: skip
    tu = _frame(
        "TU",
        [
            {"USUBJID": "UCLM802-001", "TUSEQ": 1, "TULNKID": "T01", "TUTESTCD": "TUMIDENT",
             "TUORRES": "TARGET", "TUDTC": "2026-01-01"},
            {"USUBJID": "UCLM802-002", "TUSEQ": 1, "TULNKID": "T01", "TUTESTCD": "TUMIDENT",
             "TUORRES": "TARGET", "TUDTC": "2026-02-01"},
            {"USUBJID": "UCLM802-004", "TUSEQ": 1, "TULNKID": "T01", "TUTESTCD": "TUMIDENT",
             "TUORRES": "TARGET", "TUDTC": "2026-02-28"},
        ],
    )  # fmt: skip
    tr = _frame(
        "TR",
        [
            {"USUBJID": s, "TRSEQ": 1, "TRLNKID": "T01", "TRTESTCD": "LDIAM", "TRDTC": d}
            for s, d in (("UCLM802-001", "2026-01-01"), ("UCLM802-002", "2026-02-01"),
                         ("UCLM802-004", "2026-02-28"))
        ],
    )  # fmt: skip
    rs = _frame(
        "RS",
        [
            {"USUBJID": "UCLM802-001", "RSSEQ": 1, "RSTESTCD": "OVRLRESP", "RSCAT": "RECIST 1.1",
             "RSSTRESC": "PR", "RSDTC": "2026-02-16"},
            {"USUBJID": "UCLM802-001", "RSSEQ": 2, "RSTESTCD": "OVRLRESP", "RSCAT": "RECIST 1.1",
             "RSSTRESC": "PR", "RSDTC": "2026-03-16"},
            {"USUBJID": "UCLM802-001", "RSSEQ": 3, "RSTESTCD": "OVRLRESP", "RSCAT": "RECIST 1.1",
             "RSSTRESC": "PD", "RSDTC": "2026-05-11"},
            {"USUBJID": "UCLM802-004", "RSSEQ": 1, "RSTESTCD": "OVRLRESP", "RSCAT": "RECIST 1.1",
             "RSSTRESC": "SD", "RSDTC": "2026-03-16"},
        ],
    )  # fmt: skip
    sv = _frame(
        "SV",
        [{"USUBJID": "UCLM802-001", "VISITNUM": 9, "SVSTDTC": "2026-06-01"}],
    )
    pc = _frame(
        "PC",
        [
            {"USUBJID": "UCLM802-001", "PCSEQ": 1, "PCTESTCD": "CARTGENE",
             "PCTEST": "CAR Transgene", "PCSTRESC": "1000", "PCSTRESN": 1000.0,
             "PCSTRESU": "copies/ug", "PCLLOQ": 50.0, "PCDTC": "2026-01-06T10:00"},
            {"USUBJID": "UCLM802-001", "PCSEQ": 2, "PCTESTCD": "CARTGENE",
             "PCTEST": "CAR Transgene", "PCSTRESC": "5000", "PCSTRESN": 5000.0,
             "PCSTRESU": "copies/ug", "PCLLOQ": 50.0, "PCDTC": "2026-01-12T22:00"},
            {"USUBJID": "UCLM802-001", "PCSEQ": 3, "PCTESTCD": "CARTGENE",
             "PCTEST": "CAR Transgene", "PCSTRESC": "<50", "PCSTRESN": None,
             "PCSTRESU": "copies/ug", "PCLLOQ": 50.0, "PCDTC": "2026-02-02T10:00"},
        ],
    )  # fmt: skip
    pp = _frame(
        "PP",
        [
            {"USUBJID": "UCLM802-001", "PPSEQ": 1, "PPCAT": "CARTGENE", "PPTESTCD": "CMAX",
             "PPTEST": "Max Conc", "PPSTRESN": 5000.0, "PPSTRESU": "copies/ug"},
            {"USUBJID": "UCLM802-001", "PPSEQ": 2, "PPCAT": "CARTGENE", "PPTESTCD": "TMAX",
             "PPTEST": "Time of CMAX", "PPSTRESN": 7.5, "PPSTRESU": "DAYS"},
        ],
    )  # fmt: skip
    return SdtmSource(
        {"DM": dm, "EX": ex, "DS": ds, "AE": ae, "SUPPAE": suppae, "LB": lb, "TU": tu,
         "TR": tr, "RS": rs, "SV": sv, "PC": pc, "PP": pp}
    )  # fmt: skip
