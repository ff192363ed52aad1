"""Fixtures shared by every test package: the simulated seed trials (built once per run)."""

from __future__ import annotations

import pytest

from tests.simulated_trials import SimulatedTrial, simulate_trial_database


@pytest.fixture(scope="session")
def uclm802_trial(tmp_path_factory: pytest.TempPathFactory) -> SimulatedTrial:
    """The whole 87-patient ``uclm802`` trial, seed 1 (``make demo``'s first trial).

    Treat it as read-only: copy the file before writing to it.
    """
    path = tmp_path_factory.mktemp("uclm802") / "uclm802.db"
    return simulate_trial_database("uclm802", path, seed=1)


@pytest.fixture(scope="session")
def szugh_trial(tmp_path_factory: pytest.TempPathFactory) -> SimulatedTrial:
    """The whole 20-patient ``szugh-msln-2024`` trial, seed 1 (read-only, as above)."""
    path = tmp_path_factory.mktemp("szugh") / "szugh-msln-2024.db"
    return simulate_trial_database("szugh-msln-2024", path, seed=1)


@pytest.fixture(scope="session")
def small_trial(tmp_path_factory: pytest.TempPathFactory) -> SimulatedTrial:
    """A few arrivals of ``szugh-msln-2024`` (seed 5): a trial cut early, for edge cases."""
    path = tmp_path_factory.mktemp("small") / "small.db"
    return simulate_trial_database("szugh-msln-2024", path, seed=5, max_arrivals=4)
