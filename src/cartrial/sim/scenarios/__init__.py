"""Bundled simulation scenarios (one YAML file per protocol id)."""
