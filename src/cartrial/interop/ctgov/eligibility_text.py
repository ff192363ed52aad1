"""The eligibility text of a registry record split into numbered criteria.

ClinicalTrials.gov stores eligibility as one free-text field (API v2
``eligibilityModule.eligibilityCriteria``), conventionally a heading "Inclusion Criteria:"
and one "Exclusion Criteria:", each followed by a bulleted (``*``, ``-``, ``•``) or numbered
(``1.``, ``a)``) list; an indented item belongs to the item above it, and a line without a
bullet continues the item above it. Written by hand: this is the registry's text convention,
not a format a parsing library knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["CriterionText", "EligibilityText", "split_eligibility"]

_HEADING = re.compile(r"^\s*(inclusion|exclusion)\s+criteria\s*:?\s*$", re.IGNORECASE)
_BULLET = re.compile(
    r"^(?P<indent>\s*)(?:[*•\-+]|\d{1,3}[.)]|[a-z][.)]|[ivx]{1,4}[.)])(?:\s+(?P<text>.*))?$"
)


@dataclass
class CriterionText:
    """One criterion as written: its number in its list, text, sub-items and first line."""

    number: int
    text: str
    line: int
    sub_items: list[str] = field(default_factory=list)

    @property
    def full_text(self) -> str:
        """The criterion and its sub-items as one text (sub-items on their own lines)."""
        return "\n".join([self.text, *(f"- {s}" for s in self.sub_items)])


@dataclass
class EligibilityText:
    inclusion: list[CriterionText]
    exclusion: list[CriterionText]
    preamble: list[str]
    """Lines before the first heading (kept so that nothing in the record is lost)."""


def split_eligibility(text: str) -> EligibilityText:
    """Split ``text`` into inclusion and exclusion criteria (sub-items kept with their parent).

    >>> text = "Inclusion Criteria:\\n\\n* Age >= 18\\n* ECOG 0-1\\n  * or 2 if ...\\n"
    >>> t = split_eligibility(text + "\\nExclusion Criteria:\\n\\n1. Pregnant")
    >>> [c.text for c in t.inclusion], t.inclusion[1].sub_items, t.exclusion[0].text
    (['Age >= 18', 'ECOG 0-1'], ['or 2 if ...'], 'Pregnant')
    """
    out = EligibilityText([], [], [])
    current: list[CriterionText] | None = None
    top_indent: int | None = None
    pending_bullet = False  # a bullet alone on its line: the next line is its text
    last_was_sub = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        if heading:
            current = out.inclusion if heading.group(1).lower() == "inclusion" else out.exclusion
            top_indent, pending_bullet, last_was_sub = None, False, False
            continue
        if current is None:
            out.preamble.append(line.strip())
            continue
        bullet = _BULLET.match(line)
        if bullet:
            indent = len(bullet.group("indent").expandtabs(4))
            body = (bullet.group("text") or "").strip()
            if top_indent is None:
                top_indent = indent
            if indent > top_indent and current:
                if body:
                    current[-1].sub_items.append(body)
                    last_was_sub = True
                continue
            current.append(CriterionText(len(current) + 1, body, number))
            pending_bullet, last_was_sub = not body, False
            continue
        body = line.strip()
        if not current:
            current.append(CriterionText(1, body, number))
            continue
        item = current[-1]
        if pending_bullet:
            item.text, item.line, pending_bullet = body, number, False
        elif last_was_sub:
            item.sub_items[-1] += "\n" + body
        else:
            item.text += "\n" + body
    return out
