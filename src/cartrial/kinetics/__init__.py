"""Cellular kinetics of CAR-T cells: non-compartmental analysis (NCA) and summaries."""
