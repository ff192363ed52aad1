"""Exposure-response: Cmax by worst CRS grade and by best overall response (log axis),
the strip plots of CAR-T exposure-response analyses (Mueller et al., Blood
2017;130:2317-2325, Figure 4)."""

from __future__ import annotations

from cartrial.report.study.figures.png import Figure, png

__all__ = ["plot_cmax_by_outcome"]


def plot_cmax_by_outcome(
    cmax: dict[str, float | None], crs: dict[str, int], bor: dict[str, str]
) -> bytes | None:
    """Two panels: Cmax against CRS grade and against BOR; None when no Cmax > 0."""
    positive = {k: v for k, v in cmax.items() if v is not None and v > 0}
    if not positive:
        return None
    fig = Figure(figsize=(7.2, 3.0))
    left, right = fig.subplots(1, 2)
    left.scatter([crs.get(k, 0) for k in positive], list(positive.values()), s=12, alpha=0.7)
    left.set_xticks(range(5))
    left.set_xlabel("worst CRS grade (ASTCT 2019)")
    order = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
    known = {k: v for k, v in positive.items() if bor.get(k) in order}
    right.scatter(
        [order.index(bor[k]) for k in known], list(known.values()), s=12, alpha=0.7, color="#15803d"
    )
    right.set_xticks(range(len(order)), ["CR", "PR", "SD", "nonCR/nonPD", "PD", "NE"], fontsize=7)
    right.set_xlabel("best overall response (RECIST 1.1)")
    for ax in (left, right):
        ax.set_yscale("log")
        ax.set_ylabel("Cmax (copies/ug gDNA)", fontsize=8)
    return png(fig)
