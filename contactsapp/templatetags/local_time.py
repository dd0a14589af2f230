"""How a page shows a moment: in the member's time zone, to the second, with the zone named,
in the active language's own order and month names.

The core middleware activates the member's zone (from the browser) and language; until the
zone is known that is UTC. English keeps the format the app has always shown
("7 Dec 2026, 18:29:10 CET"); the other languages take Django's locale DATETIME_FORMAT for
them with the seconds added, because two exports started in the same minute must be told
apart. Month names come from Django's own catalogues.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from django import template
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

register = template.Library()

# Date and time to the second, then the zone's abbreviation (T), per language. Built from
# Django's DATETIME_FORMAT of each locale ("H:i" becomes "H:i:s"); Arabic has none in Django,
# so its DATE_FORMAT and a 24-hour time.
DATETIME_FORMATS = {
    "en": "j M Y, H:i:s T",
    "fr": "j F Y, H:i:s T",
    "de": "j. F Y, H:i:s T",
    "es": r"j \d\e F \d\e Y, H:i:s T",
    "pt-br": r"j \d\e F \d\e Y, H:i:s T",
    "ja": "Y年n月j日 G:i:s T",
    "ar": "j F، Y، H:i:s T",
}
# English keeps the date the e-mails have always shown; the others use their locale's own.
DATE_FORMATS = {"en": "j F Y"}


def _language() -> str:
    code = (translation.get_language() or "en").lower()
    return code if code in DATETIME_FORMATS else code.split("-")[0]


def datetime_format() -> str:
    """The active language's format for a moment; a language without one gets its locale's
    DATE_FORMAT with a time to the second."""
    language = _language()
    if language in DATETIME_FORMATS:
        return DATETIME_FORMATS[language]
    return f"{formats.get_format('DATE_FORMAT')}, H:i:s T"


def _aware(value: datetime) -> datetime:
    # The app stores UTC; a naive value can only have come from there.
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def local_time_text(value: object) -> str:
    """`value` as text in the active zone and language; "" for anything but a datetime."""
    if not isinstance(value, datetime):
        return local_date(value)
    return dateformat.format(timezone.localtime(_aware(value)), datetime_format())


@register.filter
def local_time(value: object) -> SafeString | str:
    """Render a moment as `<time datetime="2026-12-07T17:29:10+00:00">7 Dec 2026, 18:29:10
    CET</time>`: the machine-readable value in UTC, the text in the member's zone and language."""
    if not isinstance(value, datetime):
        return local_date(value)
    aware = _aware(value)
    return format_html(
        '<time datetime="{}">{}</time>', aware.astimezone(UTC).isoformat(), local_time_text(aware)
    )


@register.filter
def local_time_plain(value: object) -> str:
    """The same text without the `<time>` element: for e-mails in plain text and attributes."""
    return local_time_text(value)


@register.filter
def local_date(value: object) -> str:
    """The day of `value` in the member's zone, in the active language ("7 December 2026")."""
    if isinstance(value, datetime):
        value = timezone.localtime(_aware(value)).date()
    if not isinstance(value, date):
        return ""
    language = _language()
    if language in DATE_FORMATS:
        return dateformat.format(value, DATE_FORMATS[language])
    return formats.date_format(value, "DATE_FORMAT")


# One number of each plural category in every shipped language (Arabic has six: 0, 1, 2,
# 3-10, 11-99, 100+); the page's script picks the sample whose category matches its count.
PLURAL_SAMPLES = (0, 1, 2, 3, 11, 100)


def _unit_forms(n: int) -> dict[str, str]:
    # The same words as exports.spacing.duration_text, "{count}" standing for the number.
    return {
        "hour": ngettext("an hour", "%(count)s hours", n) % {"count": "{count}"},
        "minute": ngettext("a minute", "%(count)s minutes", n) % {"count": "{count}"},
        "second": ngettext("%(count)s second", "%(count)s seconds", n) % {"count": "{count}"},
    }


@register.simple_tag
def countdown_words() -> str:
    """The countdown's words in the active language, as JSON for a data attribute:
    `{"hour": {"0": "…", "1": "an hour", …, "100": "{count} hours"}, "minute": …, "second": …}`,
    so the script (static/js/details.js) says the time left without words of its own."""
    samples = {n: _unit_forms(n) for n in PLURAL_SAMPLES}
    return json.dumps(
        {
            unit: {str(n): samples[n][unit] for n in PLURAL_SAMPLES}
            for unit in ("hour", "minute", "second")
        },
        ensure_ascii=False,
    )
