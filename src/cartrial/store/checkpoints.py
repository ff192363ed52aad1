"""Signed checkpoints of the audit chain's head, kept outside the database.

The hash chain proves that no entry inside it was changed, but whoever can write the database
can delete its last entries, or edit one and recompute every hash after it, and the chain still
verifies. A checkpoint anchors the chain outside the database: the head's sequence number and
hash at a moment, signed with an Ed25519 key the database does not hold (RFC 8032, via the
``cryptography`` package). Verifying the trail against its checkpoints fails when the trail is
shorter than a checkpoint or holds a different hash at its sequence number (the idea of
Certificate Transparency's signed tree heads, RFC 6962 section 3.5, applied to a linear chain).

Checkpoint files are JSON (``checkpoint-<seq>.json``): the signed statement and the signature,
base64. The private key signs; only the public key is needed to verify.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.clock import utcnow
from cartrial.errors import InputError
from cartrial.store.audit import CHAIN_HEAD
from cartrial.store.models import AuditEntry

__all__ = [
    "CheckpointProblem",
    "generate_keys",
    "verify_checkpoints",
    "write_checkpoint",
]

_STATEMENT = "cartrial audit checkpoint v1"


def generate_keys(private_path: Path, public_path: Path) -> None:
    """A new Ed25519 key pair as PEM files (the private one readable by its owner only)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    for path in (private_path, public_path):
        if path.exists():
            raise InputError("key file", str(path), "a path where no file exists yet")
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _canonical(statement: dict[str, object]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def write_checkpoint(session: Session, private_key: Path, directory: Path) -> Path:
    """Sign the current head of the chain into ``directory``; returns the file written."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(private_key.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise InputError("--key", str(private_key), "an Ed25519 private key (PEM)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("--key", str(private_key), "an Ed25519 private key (PEM)")
    seq, sha = session.execute(CHAIN_HEAD).one()
    statement = {
        "statement": _STATEMENT,
        "seq": int(seq),
        "entry_sha256": str(sha),
        "signed_at": utcnow().isoformat(),
    }
    signature = key.sign(_canonical(statement))
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / f"checkpoint-{int(seq):012d}.json"
    out.write_text(
        json.dumps(
            {**statement, "signature": base64.b64encode(signature).decode()},
            indent=2,
            allow_nan=False,
        )
        + "\n",
        encoding="utf-8",
    )
    return out


@dataclass(frozen=True)
class CheckpointProblem:
    file: str
    problem: str

    def describe(self) -> str:
        return f"{self.file}: {self.problem}"


def verify_checkpoints(
    session: Session, public_key: Path, directory: Path
) -> tuple[int, list[CheckpointProblem]]:
    """Every checkpoint's signature and its hash in the trail: (checked, problems)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(public_key.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError("--public-key", str(public_key), "an Ed25519 public key (PEM)") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InputError("--public-key", str(public_key), "an Ed25519 public key (PEM)")
    files = sorted(directory.glob("checkpoint-*.json"))
    if not files:
        raise InputError("--checkpoints", str(directory), "a directory with checkpoint files")
    problems: list[CheckpointProblem] = []
    last = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
    for file in files:
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
            signature = base64.b64decode(doc.pop("signature"))
            key.verify(signature, _canonical(doc))
        except InvalidSignature:
            problems.append(CheckpointProblem(file.name, "its signature does not verify"))
            continue
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(CheckpointProblem(file.name, f"not a checkpoint file ({exc})"))
            continue
        seq, sha = int(doc["seq"]), str(doc["entry_sha256"])
        if seq > last:
            problems.append(
                CheckpointProblem(
                    file.name,
                    f"the trail ends at entry {last}, shorter than the checkpoint's entry {seq}",
                )
            )
            continue
        stored = session.scalar(select(AuditEntry.entry_sha256).where(AuditEntry.seq == seq))
        if stored != sha:
            problems.append(
                CheckpointProblem(
                    file.name, f"entry {seq} hashes to {stored}, the checkpoint signed {sha}"
                )
            )
    return len(files), problems
