"""Optional dependencies are extras, and a missing one is named with the extra to install."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project: dict[str, object] = tomllib.load(handle)["project"]
    return project


def _names(requirements: object) -> set[str]:
    assert isinstance(requirements, list)
    return {str(r).split("[")[0].split(">")[0].split("=")[0].strip() for r in requirements}


def test_heavy_optional_dependencies_are_extras_not_core() -> None:
    project = _project()
    core = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert isinstance(extras, dict)
    for extra, package in (
        ("plots", "matplotlib"),
        ("server", "uvicorn"),
        ("postgres", "psycopg"),
        ("parquet", "pyarrow"),
    ):
        assert package not in core
        assert package in _names(extras[extra])
        assert extra in extras["all"][0]
    assert "cartrial[all]" in extras["dev"]  # make test installs everything


def _run_without(module: str, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        f"sys.modules[{module!r}] = None  # as if not installed\n"
        "sys.argv = ['cartrial', *sys.argv[1:]]\n"
        "from cartrial.cli.main import app\n"
        "app()\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    env.pop("CARTRIAL_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


@pytest.mark.parametrize(
    ("module", "extra", "argv"),
    [
        ("matplotlib", "plots", ("kinetics", "plot", str(EXAMPLES / "kinetics/samples.csv"))),
        ("uvicorn", "server", ("serve",)),
        ("psycopg", "postgres", ("db", "init", "--url", "postgresql://u@127.0.0.1:1/none")),
        ("pyarrow", "parquet", ("kinetics", "nca", "samples.parquet")),
    ],
)
def test_a_missing_optional_dependency_names_its_extra(
    module: str, extra: str, argv: tuple[str, ...], tmp_path: Path
) -> None:
    if module == "uvicorn":
        assert _run_without("cartrial_no_such_module", "db", "init", cwd=tmp_path).returncode == 0
    (tmp_path / "samples.parquet").write_bytes(b"PAR1")
    done = _run_without(module, *argv, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"pip install 'cartrial[{extra}]'" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
