"""Phone numbers that travel: the international form of a number as LinkedIn sent it.

LinkedIn's numbers are free text from many address books ("(415) 555-0100",
"+44 20 7946 0958", "+1-415-555-0164 ext. 43"). Google's libphonenumber (`phonenumbers`)
reads them, taking the member's own country for numbers written without a country code.

The international form is E.164 (`+14155550164`), followed by ` ext. ` and the extension
when there is one (`+14155550164 ext. 43`) - libphonenumber's own way of writing an
extension, which phones, Google Contacts and Outlook all dial or import as such. A number
libphonenumber cannot read, or reads as impossible for its country, has no international
form: it is kept, shown and exported exactly as sent, never dropped.
"""

from __future__ import annotations

import phonenumbers

EXTENSION_SEPARATOR = " ext. "
# Parsing is the slow part of reading a number, and address books repeat numbers (shared
# switchboards, the same person from several sources), so one ingest remembers up to this
# many answers: a few MB, enough for the distinct numbers of the benchmark's largest book
# (a smaller memo parsed many numbers again).
MEMO_SIZE = 50_000


def phone_international(number: str, *, region: str = "") -> str:
    """Return `number` in international form, or "" if it cannot be read as a phone number."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, region.upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    international = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if parsed.extension:
        international += EXTENSION_SEPARATOR + parsed.extension
    return international


class PhoneReader:
    """`phone_international` for one address book, remembering numbers it has already read."""

    def __init__(self, *, region: str):
        self.region = region
        self._memo: dict[str, str] = {}

    def international(self, number: str) -> str:
        found = self._memo.get(number)
        if found is None:
            found = phone_international(number, region=self.region)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[number] = found
        return found
