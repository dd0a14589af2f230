"""Which language and time zone a request is shown in: the pure rules.

A language is one of `settings.LANGUAGES` or nothing; a time zone is an IANA name the
machine knows or UTC. Nothing a client sends is trusted beyond these checks.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

# Where the member's saved language is kept for their session, so that choosing the
# language of a page costs no query (the account is read at sign-in and at a switch only).
SESSION_KEY = "member_language"
TIME_ZONE_COOKIE = "tz"


def supported_codes() -> frozenset[str]:
    return frozenset(code for code, _name in settings.LANGUAGES)


def language_supported(tag: object) -> str:
    """Return the code of `settings.LANGUAGES` a language tag means, "" if none.

    Accepts what providers send: "fr", "fr-FR", "pt_BR", "PT-br". A tag of a supported
    language in another region is that language ("fr-CA" is "fr"); Portuguese is Brazilian
    Portuguese, the one we have; a script or region we cannot honour is "" ("zh-TW").
    """
    if not isinstance(tag, str) or not tag or len(tag) > 35 or not tag.isascii():
        return ""
    normalised = tag.strip().replace("_", "-").lower()
    codes = supported_codes()
    if normalised in codes:
        return normalised
    language = normalised.split("-", 1)[0]
    if language == "pt" and "pt-br" in codes:
        return "pt-br"
    return language if language in codes else ""


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_valid(name: object) -> str:
    """Return `name` if it is an IANA time zone this machine knows, else ""."""
    if isinstance(name, str) and 0 < len(name) <= 64 and name in _known_zones():
        return name
    return ""


def remember_language(request: HttpRequest, language: str) -> None:
    """Keep the member's saved language for their session and show this request in it."""
    if language in supported_codes():
        request.session[SESSION_KEY] = language
        translation.activate(language)
        request.LANGUAGE_CODE = language
    else:
        request.session.pop(SESSION_KEY, None)
