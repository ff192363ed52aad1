"""Each trial's patient stream, drawn from the trial's own generator, for a batch at once.

Every trial has its own ``SeedSequence`` child (SIMULATOR_ANCHORS P20) and
draws, in this order, chunks of ``n`` screened patients: the patient model's
``draw(rng, n)``, then ``n`` standard exponential accrual gaps, then an
``(n, 1 + scans)`` block of standard normal scan errors. A trial whose chunk
held too few infused patients draws another chunk from the same generator.
Nothing a trial draws depends on any other trial, so batching and the number
of workers cannot change its results.

Speed without breaking that: :class:`StackedGenerator` stands in for one
``numpy.random.Generator`` while the patient model draws ``k * n`` patients in
one vectorised call; each of its calls of size ``k * n`` is made as the same
call of size ``n`` on each trial's generator and concatenated, so trial ``i``
gets exactly the rows it would get from ``draw(rng_i, n)`` alone (a test
checks it). A call it cannot split raises :class:`Unsplittable`, and the
batch is redrawn trial by trial from fresh generators.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from cartrial.sim.fast.source import PatientSource
from cartrial.sim.patients import VirtualPatients

__all__ = [
    "PatientStreams",
    "StackedGenerator",
    "Unsplittable",
    "concat_patients",
    "draw_streams",
    "infused_mask",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class Unsplittable(Exception):
    """A draw the stacked generator cannot split per trial."""


class StackedGenerator:
    """``k`` generators behaving as one for draws whose first dimension is ``k * n``."""

    def __init__(self, generators: Sequence[np.random.Generator], n: int):
        self.generators = list(generators)
        self.n = n
        self.total = n * len(self.generators)

    def _sub(self, size: int | tuple[int, ...] | None) -> tuple[int, ...]:
        shape = (size,) if isinstance(size, int | np.integer) else size
        if not shape or int(shape[0]) != self.total:
            raise Unsplittable(f"size {size!r} is not {self.total} patients")
        return (self.n, *(int(s) for s in shape[1:]))

    def _param(self, value: Any, i: int) -> Any:
        if isinstance(value, np.ndarray) and value.ndim and value.shape[0] == self.total:
            return value[i * self.n : (i + 1) * self.n]
        if isinstance(value, np.ndarray) and value.size > 1:
            raise Unsplittable("an array parameter that is not per patient")
        return value

    def _each(self, method: str, size: Any, *params: Any, **kw: Any) -> NDArray[Any]:
        sub = self._sub(size)
        parts = [
            getattr(g, method)(*(self._param(p, i) for p in params), size=sub, **kw)
            for i, g in enumerate(self.generators)
        ]
        return np.concatenate(parts)

    def random(self, size: int | tuple[int, ...] | None = None) -> FloatArray:
        sub = self._sub(size)  # the commonest calls, without the generic path's overhead
        return np.concatenate([g.random(sub) for g in self.generators])

    def standard_normal(self, size: int | tuple[int, ...] | None = None) -> FloatArray:
        sub = self._sub(size)
        return np.concatenate([g.standard_normal(sub) for g in self.generators])

    def standard_exponential(self, size: int | tuple[int, ...] | None = None) -> FloatArray:
        return self._each("standard_exponential", size)

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> FloatArray:
        return self._each("normal", size, loc, scale)

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None) -> FloatArray:
        return self._each("uniform", size, low, high)

    def exponential(self, scale: Any = 1.0, size: Any = None) -> FloatArray:
        return self._each("exponential", size, scale)

    def lognormal(self, mean: Any = 0.0, sigma: Any = 1.0, size: Any = None) -> FloatArray:
        return self._each("lognormal", size, mean, sigma)

    def binomial(self, n: Any, p: Any, size: Any = None) -> IntArray:
        return self._each("binomial", size, n, p)

    def poisson(self, lam: Any = 1.0, size: Any = None) -> IntArray:
        return self._each("poisson", size, lam)

    def integers(self, low: Any, high: Any = None, size: Any = None) -> IntArray:
        return self._each("integers", size, low, high)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None) -> NDArray[Any]:
        if not replace:
            raise Unsplittable("choice without replacement")
        return self._each("choice", size, a, p=p)


def concat_patients(parts: Sequence[VirtualPatients]) -> VirtualPatients:
    """Patients of ``parts`` one after another."""
    if len(parts) == 1:
        return parts[0]
    return VirtualPatients(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(parts[0])}
    )


def infused_mask(p: VirtualPatients) -> BoolArray:
    """Passed screening, product made and not withdrawn before infusion."""
    out: BoolArray = (
        (p.screen_failure == "") & ~p.manufacturing_failed & ~p.withdraws_before_infusion
    )
    return out


@dataclass(frozen=True)
class PatientStreams:
    """A batch's streams, ``B`` trials by the first ``M`` infused patients of each.

    ``patients`` holds every screened patient of the batch; ``rows[t, m]`` is
    the row of trial ``t``'s ``m``-th infused patient in it. For that patient:
    ``screened``/``enrolled`` count the trial's patients screened/enrolled up
    to and including them, ``ready_day`` is when their product is ready (days
    from the trial's first consent: consent + apheresis + vein-to-vein), and
    ``noise`` (rows ``t * M + m``) the scan errors.
    """

    patients: VirtualPatients
    rows: IntArray
    screened: IntArray
    enrolled: IntArray
    ready_day: FloatArray
    noise: FloatArray


@dataclass(frozen=True)
class _Block:
    patients: VirtualPatients
    gaps: FloatArray
    noise: FloatArray
    infused: BoolArray
    enrolled: BoolArray


def _block(p: VirtualPatients, gaps: FloatArray, noise: FloatArray) -> _Block:
    return _Block(p, gaps, noise, infused_mask(p), p.screen_failure == "")


def _draw_chunk(
    source: PatientSource, gens: list[np.random.Generator], n: int, n_scans: int, stacked: bool
) -> list[_Block]:
    """One block of ``len(gens) * n`` patients (trial-major), or one block per trial."""
    if stacked:
        s = StackedGenerator(gens, n)
        pts = source.draw(cast(np.random.Generator, s), s.total)
        gaps = s.standard_exponential(s.total)
        return [_block(pts, gaps, s.standard_normal((s.total, n_scans + 1)))]
    out = []
    for g in gens:
        pts = source.draw(g, n)
        gaps = g.standard_exponential(n)
        out.append(_block(pts, gaps, g.standard_normal((n, n_scans + 1))))
    return out


def draw_streams(
    source: PatientSource,
    seeds: Sequence[np.random.SeedSequence],
    *,
    max_infused: int,
    chunk: int,
    n_scans: int,
    consent_gap_days: float,
    stacked: bool = True,
) -> PatientStreams:
    """Draw each trial's stream until it holds ``max_infused`` infused patients.

    Consents are a Poisson process with mean gap ``consent_gap_days``.
    """
    args = (source, seeds, max_infused, chunk, n_scans, consent_gap_days)
    try:
        return _draw_streams(*args, stacked)
    except Unsplittable:
        return _draw_streams(*args, False)


def _draw_streams(
    source: PatientSource,
    seeds: Sequence[np.random.SeedSequence],
    m_max: int,
    chunk: int,
    n_scans: int,
    gap_days: float,
    stacked: bool,
) -> PatientStreams:
    b = len(seeds)
    gens = [np.random.Generator(np.random.PCG64(s)) for s in seeds]
    blocks: list[_Block] = []
    offsets: list[int] = []
    total = 0
    # per trial: (block index, first row in the block, rows) of each chunk, in order
    segments: list[list[tuple[int, int, int]]] = [[] for _ in gens]
    have = np.zeros(b, dtype=np.int64)
    todo = np.arange(b)
    n = chunk
    while todo.size:
        new = _draw_chunk(source, [gens[i] for i in todo], n, n_scans, stacked)
        for j, i in enumerate(todo):
            k, start = (len(blocks), j * n) if len(new) == 1 else (len(blocks) + j, 0)
            block = new[0] if len(new) == 1 else new[j]
            segments[i].append((k, start, n))
            have[i] += int(block.infused[start : start + n].sum())
        for block in new:
            blocks.append(block)
            offsets.append(total)
            total += block.patients.n
        todo = todo[have[todo] < m_max]
        n = max(math.ceil(chunk / 2), 8)
    rows = np.empty((b, m_max), dtype=np.int64)
    screened = np.empty((b, m_max), dtype=np.int64)
    enrolled = np.empty((b, m_max), dtype=np.int64)
    ready = np.empty((b, m_max))
    for t, segs in enumerate(segments):

        def cat(name: str, segs: list[tuple[int, int, int]] = segs) -> NDArray[Any]:
            views = [getattr(blocks[k], name)[s : s + m] for k, s, m in segs]
            return views[0] if len(views) == 1 else np.concatenate(views)

        where = np.concatenate([np.arange(offsets[k] + s, offsets[k] + s + m) for k, s, m in segs])
        pos = np.flatnonzero(cat("infused"))[:m_max]
        gap = cat("gaps")
        rows[t] = where[pos]
        screened[t] = pos + 1
        enrolled[t] = np.cumsum(cat("enrolled"))[pos]
        consent = (np.cumsum(gap)[pos] - gap[0]) * gap_days
        ready[t] = consent + _field(blocks, segs, "days_consent_to_apheresis", pos)
        ready[t] += _field(blocks, segs, "vein_to_vein_days", pos)
    patients = concat_patients([blk.patients for blk in blocks])
    noise = np.concatenate([blk.noise for blk in blocks])[rows.ravel()]
    return PatientStreams(
        patients=patients,
        rows=rows,
        screened=screened,
        enrolled=enrolled,
        ready_day=ready,
        noise=noise,
    )


def _field(
    blocks: list[_Block], segs: list[tuple[int, int, int]], name: str, pos: IntArray
) -> FloatArray:
    views = [getattr(blocks[k].patients, name)[s : s + m] for k, s, m in segs]
    values: FloatArray = views[0] if len(views) == 1 else np.concatenate(views)
    return values[pos]
