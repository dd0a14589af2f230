from __future__ import annotations

from django.http import HttpRequest


def linkedin_account(request: HttpRequest) -> dict:
    """Expose the signed-in member's LinkedIn profile to every template as `account`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"account": None}
    return {"account": getattr(user, "linkedin_account", None)}
