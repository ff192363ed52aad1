"""Dose escalation: designs, the live decision engine, simulation and exact enumeration.

One module per design, all behind :class:`~cartrial.escalation.base.Design`
(one vectorised ``decide`` shared by the live engine, the simulator and the exact
enumeration); see docs/escalation.md.
"""

from cartrial.escalation.base import Action, Design, TrialState
from cartrial.escalation.designs import DESIGNS, DesignOptions, build_design, design_from_protocol
from cartrial.escalation.engine import NextDecision, PatientOutcome, decide_next
from cartrial.escalation.exact import enumerate_trials
from cartrial.escalation.protocol_decision import decide_for_protocol
from cartrial.escalation.simulate import OperatingCharacteristics, simulate_trials

__all__ = [
    "DESIGNS",
    "Action",
    "Design",
    "DesignOptions",
    "NextDecision",
    "OperatingCharacteristics",
    "PatientOutcome",
    "TrialState",
    "build_design",
    "decide_for_protocol",
    "decide_next",
    "design_from_protocol",
    "enumerate_trials",
    "simulate_trials",
]
