"""The simulation clock: the store's "now" and record ids come from it inside ``simulated``."""

from __future__ import annotations

import datetime as dt

import pytest

from cartrial.clock import SimulatedClock, simulated
from cartrial.store.accounts import hash_password, virtual_accounts
from cartrial.store.models import new_id, utcnow

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def test_the_store_reads_the_simulated_clock_only_inside_simulated() -> None:
    clock = SimulatedClock(START, seed=3)
    with simulated(clock):
        assert utcnow() == START
        clock.advance(dt.timedelta(days=28, hours=1))
        assert utcnow() == dt.datetime(2026, 2, 2, 10, 0, tzinfo=dt.UTC)
    assert abs(utcnow() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_record_ids_repeat_with_the_seed_and_differ_between_seeds() -> None:
    def ids(seed: int) -> list[str]:
        with simulated(SimulatedClock(START, seed=seed)):
            return [new_id() for _ in range(3)]

    assert ids(1) == ids(1)
    assert ids(1) != ids(2)
    assert all(len(i) == 36 and i[14] == "4" for i in ids(1))  # UUID version 4 text


def test_the_clock_never_goes_back() -> None:
    clock = SimulatedClock(START, seed=1)
    clock.advance_to(START - dt.timedelta(days=1))
    assert clock.now() == START
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(dt.timedelta(seconds=-1))


def test_virtual_accounts_hash_cheaply_and_reproducibly() -> None:
    with virtual_accounts(7):
        first = hash_password("correct horse battery")
    with virtual_accounts(7):
        again = hash_password("correct horse battery")
    assert first == again and first.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert hash_password("correct horse battery") != first  # real accounts: random salt
