"""Sort keys in a person's alphabetical order, and search text that ignores how a word is typed.

Sorting: ICU's collation (CLDR) of the member's language (`collator_locale`: German sorts ö
with o, Swedish å, ä, ö after z), ICU's root order for English and any language without a
tailoring; the same on every database because the database never collates, it only compares
the bytes of keys made here. Primary strength, so case and accents
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
from django.utils.translation import get_language_info, gettext

_local = threading.local()
# BCP 47 extension for: primary strength, punctuation and symbols ignorable.
_STRENGTH = "-u-ka-shifted-ks-level1-kv-symbol"
# Root collation: English's, and the order of books stored before languages had their own.
COLLATION = "und" + _STRENGTH
# The site's languages (and a few more) whose alphabetical order differs from the root's, by
# language code as Django names it; any other code sorts in the root order.
_LOCALES = {
    "fr": "fr",
    "de": "de",
    "es": "es",
    "pt-br": "pt-BR",
    "ja": "ja",
    "ar": "ar",
    "sv": "sv",
    "da": "da",
    "nb": "nb",
    "fi": "fi",
    "pl": "pl",
    "tr": "tr",
}
# Prefixes that keep the three groups apart whatever ICU's bytes: words, then marks only.
_WORDS, _MARKS_ONLY = b"\x01", b"\x02"
_EMPTY_KEY = b"\x00"  # ICU's key for a string with no primary weight at all


def collation_for(language: str | None) -> str:
    """Return what `ExportTask.collation` stores for a book sorted in `language`'s order:
    the language code when it has an order of its own here, else "" (the root order).
    """
    code = (language or "").strip().lower().replace("_", "-")
    return code if code in _LOCALES else ""


def collator_locale(collation: str) -> str:
    """Return the BCP 47 tag of ICU's collator for `collation` (a language code, "" for root)."""
    locale = _LOCALES.get(collation_for(collation))
    return (locale or "und") + _STRENGTH


def order_text(collation: str) -> str:
    """Say, in the active language, which alphabetical order a book stored with `collation`
    is sorted in ("Sorted in the alphabetical order of German.").
    """
    code = collation_for(collation)
    if not code:
        return gettext("Sorted in the standard Unicode alphabetical order.")
    try:
        language = get_language_info(code)["name_translated"]
    except KeyError:  # a language Django does not name: its code says it
        language = code
    return gettext("Sorted in the alphabetical order of %(language)s.") % {"language": language}


def _collator(collation: str = "") -> icu.Collator:
    # ICU documents a collator's const methods as thread-safe, but PyICU wrappers are cheap:
    # one per thread and language avoids relying on that.
    collators = getattr(_local, "collators", None)
    if collators is None:
        collators = _local.collators = {}
    collator = collators.get(collation)
    if collator is None:
        tag = collator_locale(collation)
        collator = icu.Collator.createInstance(icu.Locale.forLanguageTag(tag))
        collators[collation] = collator
    return collator


def sort_key(text: str, collation: str = "") -> bytes | None:
    """Return the bytes that order `text` alphabetically in the order of `collation` (a
    language code, "" for the root order), or None for a blank (sorted last).
    """
    if not text:
        return None
    key = _collator(collation).getSortKey(text)
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
