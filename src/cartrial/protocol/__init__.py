"""Protocols as code: models, bundled protocol files and their loader."""

from cartrial.protocol.load import (
    LoadedProtocol,
    bundled_ids,
    load_bundled,
    load_protocol,
    load_protocol_file,
)
from cartrial.protocol.model import Protocol

__all__ = [
    "LoadedProtocol",
    "Protocol",
    "bundled_ids",
    "load_bundled",
    "load_protocol",
    "load_protocol_file",
]
