"""A matplotlib figure as PNG bytes, at the one resolution the report uses."""

from __future__ import annotations

import io

from cartrial.extras import MissingExtraError

try:
    from matplotlib.figure import Figure
except ImportError as exc:
    raise MissingExtraError("matplotlib") from exc

__all__ = ["DPI", "Figure", "png"]

#: 110 dpi: a 7-inch-wide figure is 770 px, sharp on screen and on an A4 page.
DPI = 110


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()
