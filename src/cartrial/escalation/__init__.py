"""Dose escalation: designs, the live decision engine, simulation and exact enumeration.

One module per design, all behind :class:`~cartrial.escalation.base.Design`;
see docs/escalation.md.
"""
