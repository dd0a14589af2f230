"""What each shipped language needs of plural forms, written out by hand (not read from the
tool), for the tests of the catalogues and of the pages."""

from __future__ import annotations

# The counts a test tries, and for each language its number of forms and the form each
# count takes (Arabic: zero, one, two, few 3-10, many 11-99, other 100-102).
COUNTS = [0, 1, 2, 3, 11, 100]
EXPECTED_PLURALS = {
    "en": (2, [1, 0, 1, 1, 1, 1]),
    "de": (2, [1, 0, 1, 1, 1, 1]),
    "es": (2, [1, 0, 1, 1, 1, 1]),
    "fr": (2, [0, 0, 1, 1, 1, 1]),
    "pt-br": (2, [0, 0, 1, 1, 1, 1]),
    "ja": (1, [0, 0, 0, 0, 0, 0]),
    "ar": (6, [0, 1, 2, 3, 4, 5]),
}
