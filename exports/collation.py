"""Sort keys in a person's alphabetical order, and search text that ignores how a word is typed.

Sorting: ICU's root collation (CLDR), the same on every database because the database never
collates; it only compares the bytes of keys made here. Primary strength, so case and accents
do not matter (Ç sorts with C, "émilie" beside "Emilie"), and punctuation, spaces and symbols
are ignored ("shifted"), so "<b>Ann</b>" sorts as "bannb" and "+1 (415)" with "1415"; a value
of nothing but punctuation ("—") sorts after every letter and digit, before blanks. ICU (from
the `pyicu-wheels` build of PyICU, which needs no ICU headers to install) rather than pyuca:
the same kind of keys, made many times faster, which for a large book is most of the
difference between a quick ingest and a slow one (the figures: bench/README.md).

Searching: what a person types and what LinkedIn sent are both folded the same way: NFKD,
case folding, combining marks dropped. "Müller", "MÜLLER", "muller" and a decomposed
"Mu\u0308ller" all become "muller"; "Zoé" becomes "zoe".
"""

from __future__ import annotations

import threading
import unicodedata
from functools import cache

import icu

_local = threading.local()
# BCP 47 for: root collation, primary strength, punctuation and symbols ignorable.
COLLATION = "und-u-ka-shifted-ks-level1-kv-symbol"
# Prefixes that keep the three groups apart whatever ICU's bytes: words, then marks only.
_WORDS, _MARKS_ONLY = b"\x01", b"\x02"
_EMPTY_KEY = b"\x00"  # ICU's key for a string with no primary weight at all


def _collator() -> icu.Collator:
    # ICU documents a collator's const methods as thread-safe, but PyICU wrappers are cheap:
    # one per thread avoids relying on that.
    collator = getattr(_local, "collator", None)
    if collator is None:
        collator = icu.Collator.createInstance(icu.Locale.forLanguageTag(COLLATION))
        _local.collator = collator
    return collator


def sort_key(text: str) -> bytes | None:
    """Return the bytes that order `text` alphabetically, or None for a blank (sorted last)."""
    if not text:
        return None
    key = _collator().getSortKey(text)
    return _MARKS_ONLY if key == _EMPTY_KEY else _WORDS + key


def search_form(text: str) -> str:
    """Return `text` folded for searching: no case, no accents, one Unicode form."""
    if text.isascii():
        return text.lower()  # the common case, and casefold() equals lower() for ASCII
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return text.translate(_combining_marks())


def search_text(*values: str) -> str:
    """Return the one column a contact is searched in, built from its visible fields."""
    return "\n".join(search_form(value) for value in values)


# No combining mark lies beyond this code point (the last is in the Adlam block, U+1E94A):
# stopping there builds the table below in a tenth of the time.
_LAST_COMBINING_MARK = 0x1E94A


@cache
def _combining_marks() -> dict[int, None]:
    """Every combining mark (accents, diaereses…), for `str.translate` to delete."""
    marks = range(_LAST_COMBINING_MARK + 1)
    return {code: None for code in marks if unicodedata.combining(chr(code))}
