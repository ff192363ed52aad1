"""The simulated trial's organisation: sites with their clocks, people with their roles.

What a sponsor sets up before the first patient (issue 11 section 3): the sites
(each with its IANA time zone: study days and DLT windows count on the site's
clock), one investigator and one coordinator per site, a sponsor-wide safety
committee member and data manager, and the registered protocol version. All of
it goes through the same administrative services that ``cartrial site add``,
``cartrial user add`` and ``cartrial protocol register`` call, so the audit trail
records the set-up too.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from sqlalchemy import select

from cartrial.actor import Actor
from cartrial.protocol.model import Protocol
from cartrial.services import admin
from cartrial.services.context import Sessions
from cartrial.store.accounts import actor_for
from cartrial.store.models import User

__all__ = ["ADMIN", "PASSWORD", "SimSite", "SimWorld", "build_world", "site_zone_for"]

#: The simulation's administrator: the command line's own identity, as ``cartrial db``
#: commands act (no person signs set-up steps).
ADMIN = Actor(user_id=None, username="cli:simulation", role="admin")
#: The virtual users' password (hashed under ``virtual_accounts``; >= 12 characters).
PASSWORD = "virtual-patient-trial"

#: Country of a protocol's site -> the IANA zone its clock runs on.
_COUNTRY_ZONES = {
    "China": "Asia/Shanghai",
    "United States": "America/New_York",
    "USA": "America/New_York",
}


def site_zone_for(protocol: Protocol) -> str:
    """The time zone of the protocol's first listed site's country (UTC when none is named)."""
    for site in protocol.sites:
        if site.country in _COUNTRY_ZONES:
            return _COUNTRY_ZONES[site.country]
    return "UTC"


@dataclass(frozen=True)
class SimSite:
    """One site: its code, store id and clock."""

    code: str
    id: str
    zone: zoneinfo.ZoneInfo

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """The UTC instant of ``hour:minute`` on ``day`` of the site's wall clock."""
        local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
        return local.astimezone(dt.UTC)

    def today(self, instant: dt.datetime) -> dt.date:
        """The site's calendar date of ``instant``."""
        return instant.astimezone(self.zone).date()

    def wall(self, instant: dt.datetime) -> dt.datetime:
        """``instant`` as the site's naive wall-clock time (how CRS/ICANS times are entered)."""
        return instant.astimezone(self.zone).replace(tzinfo=None)


@dataclass
class SimWorld:
    """The registered protocol version, the sites and the acting users."""

    sessions: Sessions
    protocol: Protocol
    protocol_version_id: str
    sites: list[SimSite]
    actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, role: str, site: SimSite | None = None) -> Actor:
        """The user acting in ``role`` (at ``site`` for site roles)."""
        return self.actors[f"{role}@{site.code}" if site else role]


_SITE_ROLES = (("investigator", "Investigator"), ("coordinator", "Coordinator"))
_SPONSOR_ROLES = (
    ("safety_committee", "Safety Committee Chair"),
    ("data_manager", "Data Manager"),
    ("monitor", "Clinical Monitor"),
)


def build_world(
    sessions: Sessions, *, protocol: Protocol, yaml_text: str, n_sites: int, zone: str
) -> SimWorld:
    """Register the protocol, create ``n_sites`` sites on ``zone`` and their users."""
    version = admin.register_protocol(sessions, actor=ADMIN, yaml_text=yaml_text)
    sites = []
    for k in range(1, n_sites + 1):
        code = f"S{k:02d}"
        row = admin.create_site(
            sessions, actor=ADMIN, code=code, name=f"Site {k:02d}", time_zone=zone
        )
        sites.append(SimSite(code=code, id=row.id, zone=zoneinfo.ZoneInfo(zone)))
    world = SimWorld(sessions, protocol, version.id, sites)
    people: list[tuple[str, str, str, str | None]] = []
    for site in sites:
        for role, title in _SITE_ROLES:
            people.append((f"{role}.{site.code.lower()}", f"{title} {site.code}", role, site.code))
    for role, title in _SPONSOR_ROLES:
        people.append((role, title, role, None))
    for username, name, role, site_code in people:
        admin.add_user(
            sessions,
            actor=ADMIN,
            username=username,
            full_name=name,
            password=PASSWORD,
            roles=[(role, site_code)],
        )
        with sessions() as s:
            user = s.scalars(select(User).where(User.username == username)).one()
            key = f"{role}@{site_code}" if site_code else role
            world.actors[key] = actor_for(s, user=user, role=role, site_code=site_code)
    return world
