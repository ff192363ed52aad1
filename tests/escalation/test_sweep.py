"""Sweeps: reproducible whatever the number of worker processes; errors name the option."""

import json

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import InputError
from cartrial.escalation.sweep import SweepSpec, run_sweep

SPEC = {
    "trials": 200,
    "seed": 5,
    "designs": [{"design": "3plus3", "exact": True}, {"design": "boin", "label": "BOIN"}],
    "scenarios": [
        {"name": "MTD at 2", "truth": [0.1, 0.3, 0.5]},
        {"name": "safe", "truth": [0.01, 0.02, 0.05]},
    ],
}


def test_sweep_same_answers_with_one_or_two_worker_processes():
    spec = SweepSpec.model_validate(SPEC)
    serial = run_sweep(spec, workers=1)
    parallel = run_sweep(spec, workers=2)
    assert [r.model_dump() for r in serial] == [r.model_dump() for r in parallel]
    assert [(r.scenario, r.label) for r in serial] == [
        ("MTD at 2", "3+3"),
        ("MTD at 2", "BOIN"),
        ("safe", "3+3"),
        ("safe", "BOIN"),
    ]
    assert serial[0].characteristics.method == "exact"


def test_sweep_unknown_design_option_is_refused_by_name():
    bad = dict(SPEC, designs=[{"design": "boin", "options": {"extra_safety": True}}])
    with pytest.raises(InputError, match="extra_safety"):
        run_sweep(SweepSpec.model_validate(bad))


def test_cli_sweep_prints_json_per_design_and_scenario(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(json.dumps(SPEC))  # JSON is valid YAML
    result = CliRunner().invoke(app, ["escalation", "sweep", str(path), "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert len(got) == 4
    assert got[2]["characteristics"]["true_mtd"] == [3]


def test_cli_simulate_plot_writes_a_png(tmp_path):
    out = tmp_path / "oc.png"
    result = CliRunner().invoke(
        app,
        [
            "escalation",
            "simulate",
            "--design",
            "3plus3",
            "--truth",
            "0.1,0.3,0.5",
            "--exact",
            "--plot",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sweep_on_a_dask_cluster_gives_the_local_answers():
    distributed = pytest.importorskip("distributed")
    spec = SweepSpec.model_validate(SPEC)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        on_cluster = run_sweep(spec, scheduler=cluster.scheduler_address)
    assert [r.model_dump() for r in on_cluster] == [
        r.model_dump() for r in run_sweep(spec, workers=1)
    ]
