"""The language and time zone of each request, after Django's LocaleMiddleware.

LocaleMiddleware has picked the language from Django's language cookie or the browser's
Accept-Language; a signed-in member's saved choice wins over both. The time zone comes from
the `tz` cookie that `static/js/timezone.js` writes; until it is known (or when it names no
real zone) times are shown in UTC, which the time filters name.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from languages.choice import SESSION_KEY, TIME_ZONE_COOKIE, language_supported, time_zone_valid


class MemberLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            saved = language_supported(request.session.get(SESSION_KEY))
            if saved:
                translation.activate(saved)
                request.LANGUAGE_CODE = saved
        zone = time_zone_valid(request.COOKIES.get(TIME_ZONE_COOKIE))
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
