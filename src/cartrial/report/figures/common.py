"""What the figures share: the colours of RECIST responses and toxicity grades, PNG output.

Colours are presentation, not rules: BOR colours run green (CR) to red (PD), a diverging
scheme from ColorBrewer (RdYlGn / PRGn family); grade colours run amber (grade 1) to near
black (grade 5).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["BOR_COLOURS", "GRADE_COLOURS", "NO_RESPONSE_COLOUR", "png_bytes"]

BOR_COLOURS: dict[str, str] = {
    "CR": "#1b7837",
    "PR": "#5aae61",
    "SD": "#4393c3",
    "NON-CR/NON-PD": "#92c5de",
    "PD": "#d6604d",
    "NE": "#999999",
}
NO_RESPONSE_COLOUR = "#999999"

GRADE_COLOURS: dict[int, str] = {
    1: "#fcd34d",
    2: "#f59e0b",
    3: "#dc2626",
    4: "#7f1d1d",
    5: "#111827",
}


def png_bytes(fig: Figure) -> bytes:
    """``fig`` as PNG bytes at 100 dpi, cropped to what is drawn."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()
