"""``cartrial serve --ssl-certfile/--ssl-keyfile``: the settings reach uvicorn, and over TLS
the session cookie is ``Secure`` (OWASP Session Management cheat sheet, "Secure attribute")."""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.store import make_engine, make_sessionmaker
from cartrial.web.api.app import create_app
from tests.store.trial import PASSWORD, build_world
from tests.web.site import csrf_of, migrated

runner = CliRunner()


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with test-sized cost (production keeps RFC 9106's profile)."""
    from argon2 import PasswordHasher

    from cartrial.store import accounts

    monkeypatch.setattr(
        accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _served(
    monkeypatch: pytest.MonkeyPatch, args: list[str], db: Path
) -> tuple[Any, dict[str, Any]]:
    """Run ``cartrial serve ARGS`` with uvicorn.run caught: (result, what uvicorn got)."""
    caught: dict[str, Any] = {}

    def run(target: str, **kwargs: Any) -> None:
        caught.update(kwargs, target=target)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("CARTRIAL_DATABASE_URL", f"sqlite:///{db}")  # restored afterwards
    monkeypatch.setenv("CARTRIAL_API_THREADS", "2")
    result = runner.invoke(app, ["serve", *args, "--url", f"sqlite:///{db}"])
    return result, caught


def test_tls_settings_reach_uvicorn_and_the_session_cookie_is_secure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certfile, keyfile = self_signed(tmp_path)
    db = migrated(tmp_path / "trial.db")
    world = build_world(make_sessionmaker(make_engine(f"sqlite:///{db}")))
    port = _free_port()
    result, caught = _served(
        monkeypatch,
        [
            "--port",
            str(port),
            "--ssl-certfile",
            str(certfile),
            "--ssl-keyfile",
            str(keyfile),
            "--forwarded-allow-ips",
            "10.0.0.1",
        ],
        db,
    )
    assert result.exit_code == 0, result.output
    assert caught["ssl_certfile"] == str(certfile) and caught["ssl_keyfile"] == str(keyfile)
    # The same settings, given to uvicorn's Config around the app itself, serve HTTPS.
    settings = {k: v for k, v in caught.items() if k not in {"target", "factory", "workers"}}
    config = uvicorn.Config(create_app(world.sessions), **settings)
    config.load()
    assert config.is_ssl and isinstance(config.ssl, ssl.SSLContext)
    assert config.forwarded_allow_ips == "10.0.0.1"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        trusted = ssl.create_default_context(cafile=str(certfile))
        with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=trusted) as client:
            login = client.get("/")
            answer = client.post(
                "/login",
                data={
                    "username": "coord_a",
                    "password": PASSWORD,
                    "role": "coordinator",
                    "site": "A",
                    "csrf_token": csrf_of(login.text),
                },
                follow_redirects=False,
            )
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"].lower()
        assert "cartrial_session=" in cookie and "; secure" in cookie
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_without_tls_uvicorn_gets_no_tls_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, caught = _served(monkeypatch, [], migrated(tmp_path / "trial.db"))
    assert result.exit_code == 0, result.output
    assert caught["ssl_certfile"] is None and caught["ssl_keyfile"] is None
    assert caught["forwarded_allow_ips"] is None


def test_a_key_that_is_not_the_certificates_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certfile, _key = self_signed(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    _cert, wrong_key = self_signed(other)
    db = migrated(tmp_path / "trial.db")
    result, caught = _served(
        monkeypatch, ["--ssl-certfile", str(certfile), "--ssl-keyfile", str(wrong_key)], db
    )
    assert result.exit_code == 2 and caught == {}
    assert "expected a PEM certificate and its private key" in result.output
    alone, _ = _served(monkeypatch, ["--ssl-certfile", str(certfile)], db)
    assert alone.exit_code == 2 and "go together" in alone.output
    shutil.rmtree(other)
