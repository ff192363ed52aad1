"""Chain-of-identity identifiers, in the spirit of ISBT 128 ST-028.

ISBT 128 ST-028 (Chain of Identity Identifier for cellular therapy) asks for
one identifier that follows the patient's cells from collection to bedside.
Ours is modelled on the ISBT 128 Donation Identification Number: a 5-character
facility code (the site code, upper case, padded with ``X``), a 2-digit year,
a 6-digit sequence, and an ISO/IEC 7064 MOD 37-2 check character, so a
mistyped or misread identifier is caught before it is compared. As in the DIN,
the sequence restarts at 1 each year: the year is the site's calendar year
(its own clock, :mod:`cartrial.services.site_clock`) and the sequence counts the
identifiers already issued with the same facility code and year
(:func:`chain_of_identity_prefix`, :func:`sequence_of`).

>>> coi = compute_chain_of_identity_id(site_code="a1", year=2026, sequence=7)
>>> coi
'A1XXX26000007S'
>>> is_valid_chain_of_identity_id(coi), is_valid_chain_of_identity_id("A1XXX26000008S")
(True, False)
"""

from __future__ import annotations

from cartrial.errors import InputError

__all__ = [
    "chain_of_identity_prefix",
    "compute_chain_of_identity_id",
    "is_valid_chain_of_identity_id",
    "mod37_2_check",
    "sequence_of",
]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"


def mod37_2_check(body: str) -> str:
    """The ISO/IEC 7064 MOD 37-2 check character of ``body`` (digits and A-Z).

    >>> mod37_2_check("A1XXX26000007")
    'S'
    """
    p = 0
    for char in body:
        value = _ALPHABET.find(char)
        if value < 0 or value == 36:
            raise InputError("chain_of_identity_id", body, "digits and upper-case letters")
        p = ((p + value) * 2) % 37
    return _ALPHABET[(38 - p) % 37]


def chain_of_identity_prefix(*, site_code: str, year: int) -> str:
    """The facility code and 2-digit year that the site's identifiers of ``year`` share.

    >>> chain_of_identity_prefix(site_code="a1", year=2027)
    'A1XXX27'
    """
    facility = (site_code.upper() + "XXXXX")[:5]
    return f"{facility}{year % 100:02d}"


def compute_chain_of_identity_id(*, site_code: str, year: int, sequence: int) -> str:
    """The identifier of the ``sequence``-th subject enrolled at the site in ``year``."""
    if not 1 <= sequence <= 999_999:
        raise InputError("sequence", sequence, "1-999999")
    body = f"{chain_of_identity_prefix(site_code=site_code, year=year)}{sequence:06d}"
    return body + mod37_2_check(body)


def sequence_of(value: str) -> int:
    """The 6-digit sequence of an identifier (characters 8-13).

    >>> sequence_of("A1XXX26000007S")
    7
    """
    digits = value[7:13]
    if len(value) != 14 or not digits.isdigit():
        raise InputError("chain_of_identity_id", value, "a 14-character chain-of-identity id")
    return int(digits)


def is_valid_chain_of_identity_id(value: str) -> bool:
    """Whether ``value`` has the form above and its check character matches."""
    if len(value) != 14:
        return False
    try:
        return mod37_2_check(value[:-1]) == value[-1]
    except InputError:
        return False
