"""docs/store.md names every store command, every API operation and every role action."""

from __future__ import annotations

from pathlib import Path

from cartrial.cli.store import audit_app, db_app, site_app, user_app
from cartrial.services.access import PERMISSIONS
from cartrial.web.api import create_app

DOC = (Path(__file__).parents[2] / "docs" / "store.md").read_text(encoding="utf-8")


def test_every_store_command_is_documented() -> None:
    groups = {"db": db_app, "site": site_app, "user": user_app, "audit": audit_app}
    commands = [
        f"cartrial {g} {c.name}" for g, app in groups.items() for c in app.registered_commands
    ]
    commands += ["cartrial serve", "cartrial export", "cartrial import", "cartrial casebook"]
    commands += ["cartrial protocol register", "cartrial infusion check"]
    assert [c for c in commands if c not in DOC] == []


def test_every_api_path_is_documented() -> None:
    paths = create_app(None).openapi()["paths"]  # type: ignore[arg-type]
    documented = DOC.replace("{id}", "{}")
    missing = []
    for path in paths:
        short = path.removeprefix("/api/v1")
        generic = "/".join("{}" if p.startswith("{") else p for p in short.split("/"))
        if f"`{generic}" not in documented and f" {generic}" not in documented:
            missing.append(path)
    assert missing == []


def test_every_permission_role_is_a_documented_role() -> None:
    roles = {r for allowed in PERMISSIONS.values() for r in allowed}
    for role in roles:
        assert role.replace("_", " ") in DOC, role
