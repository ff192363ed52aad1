"""Schemathesis over the OpenAPI schema: no generated request gets a 5xx.

Runs on SQLite (the property is about the adapters, not the backend), signed in
as a site coordinator so that requests get past authentication. Examples per
operation: ``CARTRIAL_FUZZ_EXAMPLES`` (default 15); derandomized, so a run is
repeatable (STYLE practice 7).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from cartrial.store import make_engine, make_sessionmaker
from cartrial.web.api import create_app
from tests.store.trial import PASSWORD, build_world, enrolled

EXAMPLES = int(os.environ.get("CARTRIAL_FUZZ_EXAMPLES", "15"))
_state: dict[str, Any] = {}


@pytest.fixture
def api_schema(tmp_path: Path, sqlite_template: Path) -> Any:
    path = tmp_path / "trial.db"
    shutil.copy(sqlite_template, path)
    sessions = make_sessionmaker(make_engine(f"sqlite:///{path}"))
    world = build_world(sessions)
    enrolled(world)
    app = create_app(sessions)
    reply = TestClient(app).post(
        "/api/v1/auth/login",
        json={"username": "coord_a", "password": PASSWORD, "role": "coordinator", "site": "A"},
    )
    _state["headers"] = {"Authorization": f"Bearer {reply.json()['token']}"}
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


def test_no_generated_request_gets_a_server_error(api_schema: Any) -> None:
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            headers = dict(case.headers or {})
            if "/auth/" not in case.path:
                headers.update(_state["headers"])
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        check()
        checked.append(operation.label)
    assert len(checked) == 76  # with /auth/password, /users/{}/password, .../tokens/revoke
