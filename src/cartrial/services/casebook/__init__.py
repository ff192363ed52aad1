"""The subject casebook: a complete, human-readable copy of one subject's record.

21 CFR 11.10(b) (accurate and complete copies), 11.50 (signature manifestations
on every human-readable form), EU GMP Annex 11 section 8.2 (printouts show data
changed since the original entry); TRIAL_DATA.md section 1.6 row 2 ("per-subject
casebook incl. audit history") and row 5 (taking it is an ``export`` audit
entry). :mod:`.assemble` reads the store, :mod:`.forms`
says which tables make up which form, :mod:`.model` holds the values;
:mod:`cartrial.report.casebook` renders them. See docs/store.md.
"""

from cartrial.services.casebook.assemble import (
    build_casebook,
    find_subject,
    list_signatures,
    record_history,
)
from cartrial.services.casebook.forms import FORMS
from cartrial.services.casebook.model import (
    AuditLine,
    Casebook,
    CaseForm,
    CaseRecord,
    CriterionLine,
    FieldValue,
    SignatureView,
    format_site_time,
    format_utc,
)

__all__ = [
    "FORMS",
    "AuditLine",
    "CaseForm",
    "CaseRecord",
    "Casebook",
    "CriterionLine",
    "FieldValue",
    "SignatureView",
    "build_casebook",
    "find_subject",
    "format_site_time",
    "format_utc",
    "list_signatures",
    "record_history",
]
