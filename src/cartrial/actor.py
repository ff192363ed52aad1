"""Who is acting: the person, the role they act in, and the site.

Every use case is done by an :class:`Actor` (21 CFR 11.10(d), Annex 11 section
12: access limited to authorised people, scoped by site); the audit trail
records the actor of each change (21 CFR 11.10(e)). A plain value with no
database behind it, so the services, the web and the simulator pass it around
without importing the store.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SYSTEM", "Actor"]


@dataclass(frozen=True)
class Actor:
    """Who is acting: the user, the role they act in and the site (None: sponsor-wide)."""

    user_id: str | None
    username: str
    role: str | None
    site_id: str | None = None


#: The system itself (migrations, scheduled jobs): no user, no role.
SYSTEM = Actor(user_id=None, username="system", role=None)
