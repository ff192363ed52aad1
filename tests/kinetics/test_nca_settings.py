"""NcaSettings refuses values PKNCA would not accept, naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from cartrial.errors import input_error_from_validation
from cartrial.kinetics.settings import NcaSettings


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"auc_method": "log"}, "auc_method"),
        ({"min_hl_points": 1}, "min_hl_points"),
        ({"adj_r_squared_factor": -1e-4}, "adj_r_squared_factor"),
        ({"conc_blq": {"middle": "impute"}}, "conc_blq.middle"),
        ({"conc_blq": {"before_tmax": "drop"}}, "conc_blq.before_tmax"),
        ({"min_r_squared": 1.5}, "min_r_squared"),
        ({"max_pct_extrapolated": 120}, "max_pct_extrapolated"),
        ({"partial_end": 0.0}, "(record)"),
        ({"lambda_z": 0.1}, "lambda_z"),
    ],
)
def test_invalid_settings_rejected_with_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        NcaSettings(**kwargs)
    assert input_error_from_validation(caught.value).field == field


def test_defaults_are_pknca_defaults() -> None:
    s = NcaSettings()
    assert (s.conc_blq.first, s.conc_blq.middle, s.conc_blq.last) == ("keep", "drop", "keep")
    assert (s.min_hl_points, s.adj_r_squared_factor) == (3, 1e-4)
    assert (s.allow_tmax_in_half_life, s.first_tmax, s.auc_method) == (False, True, "lin-log")
