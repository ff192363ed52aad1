"""cartrial: run and analyse a first-in-human CAR-T cell therapy trial in solid tumours."""

__version__ = "0.1.0"
