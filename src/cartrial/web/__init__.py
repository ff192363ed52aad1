"""Web adapters: the REST API under ``/api/v1`` (:mod:`cartrial.web.api`)."""
