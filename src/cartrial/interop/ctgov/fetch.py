"""Fetch a study record from the ClinicalTrials.gov API v2, only when asked.

``GET https://clinicaltrials.gov/api/v2/studies/{nctId}`` (the documented study endpoint)
returns the same JSON the importer reads from a file. A machine without network access gets a
clear error, never a hang: the request has a timeout.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from cartrial.errors import InputError

__all__ = ["API_URL", "fetch_study"]

API_URL = "https://clinicaltrials.gov/api/v2/studies/{nct_id}"


def fetch_study(nct_id: str, *, timeout_s: float = 20.0) -> Any:
    """The study record of ``nct_id`` as parsed JSON; network or HTTP failures name the URL."""
    if not re.fullmatch(r"NCT\d{8}", nct_id):
        raise InputError("--fetch", nct_id, "an NCT number: NCT followed by 8 digits")
    url = API_URL.format(nct_id=nct_id)
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise InputError(
            "--fetch", nct_id, f"a study the registry knows ({url}: HTTP {exc.code})"
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise InputError(
            "--fetch",
            nct_id,
            f"a reachable registry ({url}: {exc}); save the record and pass the file",
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError("--fetch", nct_id, f"JSON from {url}") from exc
