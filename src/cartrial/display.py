"""Numbers as people read them: a sensible precision for what is shown, never for what is stored.

The engines keep every digit (a creatinine converted from umol/L, a landmark of 182.625 days);
the CLI and the pages show them with these helpers.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["DAYS_PER_MONTH", "landmark_label", "significant"]

DAYS_PER_MONTH = 30.4375  # 365.25 / 12, the month the survival landmarks count in


def significant(value: Decimal | float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, without exponent or trailing zeros.

    >>> significant(Decimal("1.198823795521"))
    '1.2'
    >>> significant(Decimal("0.950011309658"))
    '0.95'
    >>> significant(84), significant(Decimal("1234.5")), significant(0.0)
    ('84', '1230', '0')
    """
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if number.is_zero() or not number.is_finite():
        return format(number.normalize(), "f") if number.is_finite() else str(number)
    exponent = number.adjusted() - digits + 1
    rounded = number.quantize(Decimal(1).scaleb(exponent))
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def landmark_label(days: float) -> str:
    """A survival landmark in months when it is a whole number of them, else in days.

    >>> landmark_label(182.625), landmark_label(365.25), landmark_label(28)
    ('6 months (day 183)', '12 months (day 365)', 'day 28')
    """
    months = days / DAYS_PER_MONTH
    if abs(months - round(months)) < 1e-9 and round(months) > 0:
        return f"{round(months)} months (day {round(days)})"
    return f"day {significant(days, 4)}"
