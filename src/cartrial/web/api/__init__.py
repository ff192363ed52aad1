"""The REST API: FastAPI under ``/api/v1``, one error shape, roles as dependencies."""

from cartrial.web.api.app import create_app

__all__ = ["create_app"]
