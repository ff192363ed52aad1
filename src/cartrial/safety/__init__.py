"""Safety: ASTCT CRS/ICANS grading, CTCAE v5.0 laboratory grading, AE classification, DLTs.

One rule book per module: :mod:`~cartrial.safety.astct` (Lee et al. 2019),
:mod:`~cartrial.safety.ctcae` (CTCAE v5.0, table in ``data/ctcae_v5.yaml``),
:mod:`~cartrial.safety.events` (AE records; TEAE/TRAE/SAE/AESI), and
:mod:`~cartrial.safety.dlt` (DLT adjudication from the protocol's rules).
"""
