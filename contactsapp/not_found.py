"""The friendly "not found" page in development too.

With `DEBUG=1` (as `make run` sets it) Django answers a 404 with its yellow debug page,
which lists every URL pattern: a member trying a deleted export's link under `make run`
saw the app's insides instead of the page they would see in production. Django's debug
page stays for errors (500), where it helps the developer.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_resolver


def _not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    handler = get_resolver().resolve_error_handler(404)
    return handler(request, exception=exception)


class FriendlyNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No URL pattern matched: Django's debug page for it lists them all.
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
        ):
            return _not_found(request, Http404(request.path))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view's 404 (an unknown or deleted export): the page production shows.
        if isinstance(exception, Http404):
            return _not_found(request, exception)
        return None
