"""Test what ships: the built wheel carries every data file the package reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "cartrial"


def test_wheel_contains_every_package_data_file(tmp_path: Path) -> None:
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        pytest.fail(f"wheel build failed: {built.stderr[-2000:]}")
    wheel = next(tmp_path.glob("cartrial-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    data_files = [
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert any(name.endswith("bundled/uclm802.yaml") for name in data_files)
    missing = [name for name in data_files if name not in names]
    assert missing == []
