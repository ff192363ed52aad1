"""ADaM datasets (ADaMIG 1.3) derived only from SDTM datasets, as a sponsor's pipeline does:
``source`` reads the SDTM input, one module per dataset derives it (``adsl``, ``adae``,
``adlb``, ``adrs``, ``adtte``, ``adpc`` with ADPP, ``addlt``), ``build`` runs them in
dependency order. The response, survival and NCA rules are the project's own engines
(:mod:`cartrial.response.bor`, :mod:`cartrial.survival.derive`), fed from SDTM."""

from cartrial.cdisc.adam.build import AdamBuild, build_adam

__all__ = ["AdamBuild", "build_adam"]
