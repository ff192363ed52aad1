"""i3+3: the interval 3+3 design.

Source: Liu M, Wang S-J, Ji Y. The i3+3 design for phase I clinical trials.
J Biopharm Stat 2020;30(2):294-304, section 2 (the i3+3 decision rules).

With the equivalence interval ``EI = [target - eps1, target + eps2]``
(defaults 0.05 and 0.05) and ``y`` DLTs in ``n`` patients at the current
level:

1. ``y / n`` below the EI: escalate;
2. ``y / n`` inside the EI: stay;
3. ``y / n`` above the EI: if ``(y - 1) / n`` is below the EI, stay;
   otherwise de-escalate.

The safety rule (a level with ``P(p > target | data) > 0.95`` under a Beta(1, 1)
prior is excluded with all higher levels; the trial stops when level 1 is
excluded) and isotonic MTD selection are those of the interval framework
(:mod:`cartrial.escalation.interval`), as the paper adopts them from mTPI.

Why not a library: see :mod:`cartrial.escalation.base`.

>>> import numpy as np
>>> d = I3Plus3(n_levels=3, target=0.3)
>>> [int(d.table[3, y]) for y in range(4)]  # 0/3 esc, 1/3 stay, 2/3 de-esc, 3/3 de-esc
[0, 1, 2, 2]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cartrial.escalation.base import IntArray
from cartrial.escalation.interval import (
    CODE_DEESCALATE,
    CODE_ESCALATE,
    CODE_STAY,
    IntervalDesign,
)

__all__ = ["I3Plus3"]


@dataclass(frozen=True, kw_only=True)
class I3Plus3(IntervalDesign):
    """i3+3 (Liu, Wang & Ji 2020); parameters as in the module docstring."""

    eps1: float = 0.05
    eps2: float = 0.05
    name: str = field(default="i3+3", init=False)

    def __post_init__(self) -> None:
        if not 0 <= self.eps1 < self.target or not 0 <= self.eps2 < 1 - self.target:
            raise ValueError("the equivalence interval must lie inside (0, 1)")
        super().__post_init__()

    def compute_decision_table(self, n: IntArray, y: IntArray) -> IntArray:
        low, high = self.target - self.eps1, self.target + self.eps2
        safe_n = np.maximum(n, 1)
        rate = y / safe_n
        rate_minus_one = (y - 1) / safe_n
        code = np.full(n.shape, CODE_STAY, dtype=np.int64)
        code[rate < low] = CODE_ESCALATE
        above = rate > high
        code[above & (rate_minus_one >= low)] = CODE_DEESCALATE
        return code

    def describe_rate(self, n: int, y: int) -> str:
        low, high = self.target - self.eps1, self.target + self.eps2
        rate = y / n
        ei = f"equivalence interval [{low:.3f}, {high:.3f}]"
        if rate < low:
            return f"rate {rate:.3f} below the {ei}"
        if rate <= high:
            return f"rate {rate:.3f} inside the {ei}"
        if (y - 1) / n < low:
            return f"rate {rate:.3f} above the {ei} but ({y}-1)/{n} = {(y - 1) / n:.3f} below it"
        return f"rate {rate:.3f} and ({y}-1)/{n} = {(y - 1) / n:.3f} above the {ei}"
