from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def linkedin_account(request: HttpRequest) -> dict:
    """Expose the signed-in member's LinkedIn profile to every template as `account`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"account": None}
    # Lazy: htmx fragments (status polls) never show the header, so never pay the query.
    return {"account": SimpleLazyObject(lambda: getattr(user, "linkedin_account", None))}
