"""One place for presentation (issue 15): one Jinja environment, no drawing in the domain.

- ``Environment(`` is constructed in ``cartrial/report/environment.py`` only (a grep of
  ``src``);
- the domain packages (safety, response, kinetics, survival, escalation, biomarkers) import neither
  jinja2 nor matplotlib, nor ``cartrial.report``: every import statement of every module
  (found with ``pkgutil.walk_packages``, read with ``ast``, imports inside functions
  included), and, in a fresh interpreter, what importing all of them loads.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
DOMAIN = (
    "cartrial.safety",
    "cartrial.response",
    "cartrial.kinetics",
    "cartrial.survival",
    "cartrial.escalation",
    "cartrial.biomarkers",
)
FORBIDDEN = ("jinja2", "matplotlib", "cartrial.report")


def _modules(package: str) -> list[str]:
    root = importlib.import_module(package)
    found = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        found.append(info.name)
    return found


def _imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_environment_is_constructed_once() -> None:
    places = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "Environment(" in path.read_text(encoding="utf-8")
    )
    assert places == ["cartrial/report/environment.py"]


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_modules_do_not_import_presentation(package: str) -> None:
    offenders = []
    for name in _modules(package):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        for imported in _imported_names(Path(spec.origin)):
            if any(imported == f or imported.startswith(f"{f}.") for f in FORBIDDEN):
                offenders.append(f"{name} imports {imported}")
    assert offenders == []


def test_importing_the_domain_loads_neither_jinja2_nor_matplotlib() -> None:
    script = (
        "import importlib, pkgutil, sys\n"
        f"for package in {DOMAIN!r}:\n"
        "    root = importlib.import_module(package)\n"
        "    for info in pkgutil.walk_packages(root.__path__, prefix=package + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jinja2', 'matplotlib')"
        " or m.startswith('cartrial.report')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": ""},
    )
    assert done.stdout.strip() == "[]"
