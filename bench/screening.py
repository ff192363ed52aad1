"""Screening throughput: synthetic subjects screened per second against every bundled protocol.

No peer tool screens these protocols, so the figure is reported on its own; the
physical bound that matters at a site is a person entering one record in minutes.
"""

from __future__ import annotations

import time

import numpy as np

from cartrial.eligibility.screen import screen_subject
from cartrial.protocol.load import bundled_ids, load_bundled
from cartrial.sim.screening_cohort import generate_screening_cohort


def main(subjects: int = 2000) -> None:
    protocols = [load_bundled(i).protocol for i in bundled_ids()]
    records = generate_screening_cohort(subjects, rng=np.random.default_rng(1))
    start = time.perf_counter()
    decisions = [screen_subject(r, p) for r in records for p in protocols]
    elapsed = time.perf_counter() - start
    criteria = sum(len(d.criteria) for d in decisions)
    print(
        f"screened {subjects} subjects x {len(protocols)} protocols ({criteria} criteria) "
        f"in {elapsed:.2f} s: {subjects * len(protocols) / elapsed:,.0f} screenings/s, "
        f"{criteria / elapsed:,.0f} criteria/s"
    )


if __name__ == "__main__":
    main()
