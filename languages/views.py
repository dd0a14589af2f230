from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from contactsapp.accounts import account_language_save
from languages.choice import remember_language, supported_codes


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The switcher's form: show the site in `language` from now on, remembered on the
    member's account when signed in, in Django's language cookie in any case (so the choice
    holds after signing out too).
    """
    language = request.POST.get("language", "")
    if language not in supported_codes():
        return HttpResponseBadRequest("Unknown language.", content_type="text/plain")
    response = redirect(_safe_next(request, request.POST.get("next")))
    if request.user.is_authenticated:
        account_language_save(user_id=request.user.pk, language=language)
        remember_language(request, language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
