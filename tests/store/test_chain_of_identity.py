"""Chain-of-identity ids at enrolment: the sequence restarts each calendar year of the site's clock.

ISBT 128's Donation Identification Number (our model, services/identity.py)
numbers a facility's donations within a year; ours numbers a site's enrolments
within the site's calendar year. Site A is in Shenzhen (Asia/Shanghai, UTC+8):
2026-12-31T15:30Z is 23:30 on 31 December 2026 there, 2026-12-31T16:30Z is
00:30 on 1 January 2027 there (still 2026 in UTC).

Check characters are ISO/IEC 7064 MOD 37-2, worked by hand (character values
0-9 -> 0-9, A-Z -> 10-35; the character at position i from the right, the check
character being position 1, weighs 2^(i-1) mod 37; the check value c makes the
weighted sum + c = 1 mod 37). For ``AXXXX27000001`` the weights from the left
are 15, 26, 13, 25, 31, 34, 17, 27, 32, 16, 8, 4, 2, so the sum is
10*15 + 33*(26+13+25+31) + 2*34 + 7*17 + 1*2 = 3474 = 93*37 + 33, and c = 5: ``5``.
``AXXXX26000001``: 3474 - 17 = 3457 = 93*37 + 16, c = 22: ``M``.
``AXXXX27000002``: 3474 + 2 = 3476 = 93*37 + 35, c = 3: ``3``.
:func:`_iso7064_mod37_2` below recomputes them from the standard's sum (not the
recursive form the code uses), independently of the code under test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cartrial.services import admin, enrolment
from cartrial.services.context import Sessions
from cartrial.store.accounts import actor_for
from cartrial.store.models import User
from tests.store.trial import PASSWORD, ROOT, World, build_world, coi_of, enrolled

_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"


def _iso7064_mod37_2(body: str) -> str:
    """The check character of ``body`` from ISO/IEC 7064's pure-system sum (see module doc)."""
    n = len(body)
    weighted = sum(_CHARSET.index(ch) * pow(2, n - k, 37) for k, ch in enumerate(body))
    [check] = [c for c in range(37) if (weighted + c) % 37 == 1]
    return _CHARSET[check]


def test_the_hand_worked_check_characters_agree_with_the_standards_sum() -> None:
    assert [_iso7064_mod37_2(b) for b in ("AXXXX26000001", "AXXXX27000001", "AXXXX27000002")] == [
        "M",
        "5",
        "3",
    ]


def _enrol_at(world: World, monkeypatch: pytest.MonkeyPatch, code: str, at: dt.datetime) -> str:
    monkeypatch.setattr(enrolment, "utcnow", lambda: at)
    return coi_of(world, enrolled(world, code, assign_dose=enrolment.assign_dose_from_decisions))


def test_the_sequence_restarts_on_the_first_of_january_of_the_sites_clock(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(sessions, zone_a="Asia/Shanghai")
    utc = dt.UTC
    issued = [
        _enrol_at(world, monkeypatch, "S-001", dt.datetime(2026, 12, 31, 15, 30, tzinfo=utc)),
        _enrol_at(world, monkeypatch, "S-002", dt.datetime(2026, 12, 31, 16, 30, tzinfo=utc)),
        _enrol_at(world, monkeypatch, "S-003", dt.datetime(2027, 1, 2, 2, 0, tzinfo=utc)),
    ]
    assert issued == ["AXXXX26000001M", "AXXXX270000015", "AXXXX270000023"]
    assert [c[-1] for c in issued] == [_iso7064_mod37_2(c[:-1]) for c in issued]


def test_sites_sharing_a_facility_code_never_share_an_identifier(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "SZUGH1" and "SZUGH2" both become facility code SZUGH (their first five characters).
    # SZUGH26000001: 28*15 + 35*26 + 30*13 + 16*25 + 17*31 + 2*34 + 6*17 + 1*2 = 2819
    # = 76*37 + 7, c = 31: V. SZUGH26000002: 2821 = 76*37 + 9, c = 29: T.
    world = build_world(sessions)
    issued = []
    for code in ("SZUGH1", "SZUGH2"):
        world.site_a = admin.create_site(
            sessions, actor=ROOT, code=code, name=code, time_zone="UTC"
        ).id
        username = f"staff_{code.lower()}"
        admin.add_user(
            sessions,
            actor=ROOT,
            username=username,
            full_name=f"Staff {code}",
            password=PASSWORD,
            roles=[("coordinator", code), ("investigator", code)],
        )
        with sessions() as s:
            user = s.scalars(select(User).where(User.username == username)).one()
            for role in ("coordinator", "investigator"):
                world.actors[role] = actor_for(s, user=user, role=role, site_code=code)
        at = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
        issued.append(_enrol_at(world, monkeypatch, f"{code}-1", at))
    assert issued == ["SZUGH26000001V", "SZUGH26000002T"]
    assert [c[-1] for c in issued] == [_iso7064_mod37_2(c[:-1]) for c in issued]
