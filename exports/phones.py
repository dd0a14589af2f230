"""Phone numbers that travel: the international form of a number as LinkedIn sent it.

LinkedIn's numbers are free text from many address books ("(415) 555-0100",
"+44 20 7946 0958", "+1-415-555-0164 ext. 43"). Google's libphonenumber (`phonenumbers`)
reads them, taking the member's own country for numbers written without a country code.

The international form is E.164 (`+14155550164`), followed by ` ext. ` and the extension
when there is one (`+14155550164 ext. 43`) - libphonenumber's own way of writing an
extension, which phones, Google Contacts and Outlook all dial or import as such.

A number written with its country code ("+44 …", or an international prefix such as
"011 44 …") names its country itself: it gets its international form whenever
libphonenumber can read it as a possible number of that country - the same digits,
nothing guessed. A number written without one is read with the member's country, and
gets an international form only when libphonenumber calls it *valid* there:
"415-555-0102" in a British member's book is the right length for a British number but
no British number at all (it is an American one without its +1), so it is not turned
into "+444155550102", which rings nobody. Anything else has no international form: it
is kept, shown and exported exactly as sent, never dropped.
"""

from __future__ import annotations

import phonenumbers

EXTENSION_SEPARATOR = " ext. "
# Parsing is the slow part of reading a number, and address books repeat numbers (shared
# switchboards, the same person from several sources), so one ingest remembers up to this
# many answers: a few MB, enough for the distinct numbers of the benchmark's largest book
# (a smaller memo parsed many numbers again).
MEMO_SIZE = 50_000
# How a number can state its own country: "+44 …", or an international prefix ("011 44 …").
_COUNTRY_CODE_WRITTEN = frozenset(
    {
        phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN,
        phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_IDD,
    }
)


def phone_international(number: str, *, region: str = "") -> str:
    """Return `number` in international form, or "" if it cannot be read as a phone number."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, region.upper() or None, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    # "Possible" is only a length check; "valid" knows which ranges a country uses, and
    # is what a number read with the member's country must be to be placed there.
    if parsed.country_code_source not in _COUNTRY_CODE_WRITTEN and not (
        phonenumbers.is_valid_number(parsed)
    ):
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
