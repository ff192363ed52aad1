"""3+3 variants named on the command line, as protocols and sweep files name them.

Reference: Lin Y, Shih WJ, Statistical properties of the traditional algorithm-based
designs for phase I cancer clinical trials, Biostatistics 2001;2:203-215: the 3+3
"without dose de-escalation" (the MTD is the level below the first exceeded level,
with 3 or 6 patients) has closed-form selection probabilities (worked below);
the 3+3 "with dose de-escalation" (Le Tourneau et al., JNCI 2009: the level below is
expanded to 6 before it is declared; the MTD always has 6 patients) follows Storer's
(Biometrics 1989) escalation probability (1-p)^3 + 3p(1-p)^2 (1-p)^3 per level.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app

runner = CliRunner()
TRUTH = [0.05, 0.15, 0.3, 0.45]


def _simulate(*extra: str) -> dict[str, object]:
    result = runner.invoke(
        app,
        [
            "escalation",
            "simulate",
            "--design",
            "3plus3",
            "--truth",
            ",".join(str(p) for p in TRUTH),
            "--exact",
            "--json",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def _lin_shih_without_deescalation() -> list[float]:
    # a_j = P(pass level j) = (1-p)^3 + 3p(1-p)^2 (1-p)^3;
    # P(select j) = prod_{l<=j} a_l (1 - a_{j+1})
    a = [(1 - p) ** 3 + 3 * p * (1 - p) ** 2 * (1 - p) ** 3 for p in TRUTH]
    reach = [1.0]
    for value in a:
        reach.append(reach[-1] * value)
    return [reach[j + 1] * (1 - a[j + 1]) for j in range(3)] + [reach[4]]


def test_without_deescalation_variant_matches_lin_shih_closed_form() -> None:
    oc = _simulate("--variant", "without-deescalation")
    assert oc["selection"] == pytest.approx(_lin_shih_without_deescalation(), abs=1e-12)


def test_with_deescalation_is_the_default_and_names_both_fields() -> None:
    default = _simulate()
    named = _simulate("--variant", "with-deescalation")
    fields = _simulate("--mtd-requires-six", "--deescalation-expands-lower-level")
    assert default["selection"] == named["selection"] == fields["selection"]
    assert default["selection"] != pytest.approx(_lin_shih_without_deescalation(), abs=1e-6)


def test_the_two_protocol_fields_are_options_too() -> None:
    both_off = _simulate("--no-mtd-requires-six", "--no-deescalation-expands-lower-level")
    assert both_off["selection"] == pytest.approx(_lin_shih_without_deescalation(), abs=1e-12)


def test_a_variant_contradicted_by_a_field_option_is_refused() -> None:
    result = runner.invoke(
        app,
        [
            "escalation",
            "simulate",
            "--design",
            "3plus3",
            "--truth",
            "0.1,0.2",
            "--variant",
            "with-deescalation",
            "--no-mtd-requires-six",
        ],
    )
    assert result.exit_code == 2
    assert "mtd_requires_six" in result.output
    assert "with-deescalation" in result.output


def test_text_output_names_the_variant_and_the_hybrid() -> None:
    args = ["escalation", "simulate", "--design", "3plus3", "--truth", "0.1,0.2", "--exact"]
    plain = runner.invoke(app, args)
    assert "3+3 variant: with-deescalation" in plain.output
    hybrid = runner.invoke(app, [*args, "--no-mtd-requires-six"])
    assert hybrid.exit_code == 0, hybrid.output
    assert "neither textbook variant" in hybrid.output
