"""The changes since the member's previous export: the new and the changed contacts, then
who left (while the previous export's contacts are stored: after, their names are gone)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from exports import departures
from exports.downloads.base import csv_chunks

if TYPE_CHECKING:
    # Only the type: the writers import no models, so the compose check's journey, a plain
    # HTTP client outside Django, can use the formula rule they share.
    from enrichment.selectors import ChangedCompany
    from exports.selectors.changes import ContactChange

LABEL = gettext_lazy("Changes since the previous export (CSV)")
HINT = gettext_lazy(
    "Who is new, who changed e-mail or phone, company or position, and who left since your"
    " previous export."
)
SOURCE = "changes"
MERGES = False
CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_SUFFIX = "-changes.csv"
HEADER = (
    "Change",
    "Name",
    "Email Address",
    "Phone Number",
    "Phone Number (International)",
    "Previous Email Address",
    "Previous Phone Number",
    # From the member's LinkedIn data archive: a newer archive's changes (enrichment/).
    "Company",
    "Position",
    "Previous Company",
    "Previous Position",
)


def write(
    changes: Iterable[ContactChange | ChangedCompany | departures.Departed],
) -> Iterator[bytes]:
    return csv_chunks(HEADER, map(_row, changes))


def _row(change: ContactChange | ChangedCompany | departures.Departed) -> tuple[str, ...]:
    """A change's cells, in HEADER's order."""
    # A new or changed contact first, most of the file: a `ContactChange` (the writers import
    # no models), unpacked at once rather than read field by field.
    if hasattr(change, "previous_email"):
        (new, email_changed, phone_changed, name, email, phone, international,
         previous_email, previous_phone, _position) = change  # fmt: skip
        change_cell = "new" if new else _CHANGED[email_changed, phone_changed]
        # No company or position: the archive's four columns are its changes' (below).
        return (change_cell, name, email, phone, international, previous_email, previous_phone,
                "", "", "", "")  # fmt: skip
    if isinstance(change, departures.Departed):
        return departures.change_row(change)
    if hasattr(change, "company_changed"):  # a ChangedCompany: the writers import no models
        return (
            _COMPANY_CHANGED[change.company_changed, change.title_changed],
            change.name,
            change.email,
            change.phone,
            change.phone_international,
            "",
            "",
            change.company,
            change.title,
            change.previous_company,
            change.previous_title,
        )


# (e-mail changed, phone changed) → the "Change" cell of a contact that is not new.
_CHANGED = {
    (True, True): "changed e-mail and phone",
    (True, False): "changed e-mail",
    (False, True): "changed phone",
}
# (company changed, position changed) → the "Change" cell of a newer archive's change.
_COMPANY_CHANGED = {
    (True, True): "changed company and position",
    (True, False): "changed company",
    (False, True): "changed position",
}
