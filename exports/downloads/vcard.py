"""vCard 3.0 (RFC 2426), the version iOS, Google Contacts and Outlook all import.

Each card: BEGIN, VERSION:3.0, FN, N, EMAIL;TYPE=INTERNET, TEL, UID, END, with CRLF line
ends, lines folded at 75 octets (never inside a UTF-8 character), `\\ , ;` and line
breaks escaped, UTF-8 without a byte-order mark (one breaks iCloud's import). `UID` is the
same for the same person in every export of the member, so re-importing updates cards.
A contact without a name is filed under its e-mail or phone, which FN requires.

Every card line is one line to every reader: a strict parser splits on CRLF only, but a
naive importer (Python's `str.splitlines`, many text editors and scripting languages)
also breaks at VT, FF, FS, GS, RS, NEL, U+2028 and U+2029, so a name holding one could
seem to start a new line or a new card. The rule: every character that breaks a line
somewhere (CR, LF, CRLF as one, VT, FF, NEL, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH
SEPARATOR) is written as vCard's one line break, `\\n`; the information separators FS, GS,
RS and US (U+001C to U+001F) become a space, as they separate words; every other control
character (C0 but the tab, DEL, C1) is dropped, as vCard text may not hold one (RFC 2426's
SAFE-CHAR).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext_lazy

from exports.downloads.base import Person, chunks
from exports.downloads.names import split_name

LABEL = gettext_lazy("vCard (.vcf)")
HINT = gettext_lazy("For your phone, Apple Contacts and Google Contacts: open or import the file.")
SOURCE = "people"
MERGES = True
UIDS = True  # the same UID for the same person in every export
CONTENT_TYPE = "text/vcard; charset=utf-8"
FILE_SUFFIX = ".vcf"
LINE_OCTETS = 75
NEEDS_ESCAPE = re.compile(r"[\\,;\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
LINE_BREAKS = "\r\n\x0b\x0c\x85\u2028\u2029"
SEPARATORS = "\x1c\x1d\x1e\x1f"
# str.translate's table for what is left after the backslashes, commas and semicolons.
_CONTROLS = {
    **{code: None for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)] if code != 0x09},
    **{ord(separator): " " for separator in SEPARATORS},
    **{ord(line_break): "\\n" for line_break in LINE_BREAKS},
}


def write(people: Iterable[Person]) -> Iterator[bytes]:
    return chunks(card(person) for person in people)


def card(person: Person) -> str:
    """Return `person`'s card, CRLF line ends, folded."""
    first, _, last = split_name(person.name)
    # Unsure of the split: the whole name as the given name, as iOS writes a single name.
    name_parts = [last, first, "", "", ""] if last else ["", person.name, "", "", ""]
    display = person.name or next(iter(person.emails), "") or _first_phone(person)
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{escape(display)}",
        "N:" + ";".join(escape(part) for part in name_parts),
        *(f"EMAIL;TYPE=INTERNET:{escape(email)}" for email in person.emails),
        *(f"TEL:{escape(phone.best)}" for phone in person.phones),
    ]
    if person.company:
        lines.append(f"ORG:{escape(person.company)}")
    if person.title:
        lines.append(f"TITLE:{escape(person.title)}")
    if person.url:
        lines.append(f"URL:{escape(person.url)}")
    notes = [person.connection_note] if person.connected_on else []
    if person.other_names:
        notes.append("Also listed as: " + "; ".join(person.other_names))
    if notes:
        lines.append(f"NOTE:{escape(chr(10).join(notes))}")
    if person.uid:
        lines.append(f"UID:{escape(person.uid)}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def escape(value: str) -> str:
    """Escape a text value: backslash first, then `,` `;`, every kind of line break and the
    other control characters (the rule is in the module's docstring).
    """
    if not NEEDS_ESCAPE.search(value):
        return value  # most names, addresses and numbers: nothing to do
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    # CRLF first, as one break; then each other character by the table.
    return value.replace("\r\n", "\n").translate(_CONTROLS)


def fold(line: str) -> str:
    """Return `line` folded into pieces of at most 75 octets, each ending CRLF.

    A continuation starts with one space, which counts towards its 75 octets; a cut never
    falls inside a UTF-8 character (RFC 6350 3.2; RFC 2426's 75 characters are satisfied too).
    """
    if len(line) <= LINE_OCTETS and line.isascii():
        return line + "\r\n"  # one octet a character: it fits
    encoded = line.encode()
    pieces, start, limit = [], 0, LINE_OCTETS
    while len(encoded) - start > limit:
        end = start + limit
        while encoded[end] & 0xC0 == 0x80:  # a continuation byte: back to the character's start
            end -= 1
        pieces.append(encoded[start:end].decode())
        start, limit = end, LINE_OCTETS - 1
    pieces.append(encoded[start:].decode())
    return "\r\n ".join(pieces) + "\r\n"


def _first_phone(person: Person) -> str:
    return person.phones[0].best if person.phones else ""
