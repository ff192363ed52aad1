"""The trial's stored qPCR results as the long PP table (services.trial_kinetics)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import create_engine
from tests.simulated_trials import SimulatedTrial

from cartrial.services.trial_kinetics import kinetics_long_table
from cartrial.services.trial_summary import trial_analysis
from cartrial.store import make_sessionmaker


def test_trial_long_table_cmax_per_interval_is_the_largest_stored_value(
    szugh_trial: SimulatedTrial,
) -> None:
    engine = create_engine(szugh_trial.url)
    try:
        analysis = trial_analysis(
            make_sessionmaker(engine), szugh_trial.protocol_id, as_of=szugh_trial.data_cut
        )
    finally:
        engine.dispose()
    samples = analysis.kinetics_samples
    assert samples is not None
    table = kinetics_long_table(samples)
    assert table is not None
    assert set(table["end"]) == {7.0, 14.0, 28.0, 90.0, np.inf}
    checked = 0
    for (subject, matrix), rows in samples.groupby(["subject", "matrix"]):
        for end in (7.0, 28.0):
            inside = rows[(rows["time"] >= 0) & (rows["time"] <= end) & rows["conc"].notna()]
            cell = table[
                (table["subject"] == subject)
                & (table["matrix"] == matrix)
                & (table["end"] == end)
                & (table["parameter"].isin(["CMAX", "TMAX"]))
            ].set_index("parameter")["value"]
            if inside.empty:
                assert np.isnan(cell["CMAX"])
                continue
            top = inside["conc"].max()
            assert cell["CMAX"] == top
            if top > 0:
                assert cell["TMAX"] == inside.loc[inside["conc"] == top, "time"].min()
            checked += 1
    assert checked > 10
    assert (table.loc[table["parameter"] == "AUCINT", "unit"] == "copies/ug gDNA*day").all()
