from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from contactsapp.product import product_name


def linkedin_account(request: HttpRequest) -> dict:
    """Expose the signed-in member's LinkedIn profile to every template as `account`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"account": None}
    # Lazy: htmx fragments (status polls) never show the header, so never pay the query.
    return {"account": SimpleLazyObject(lambda: getattr(user, "linkedin_account", None))}


def product(request: HttpRequest) -> dict:
    """The product's one name, what every page's footer promises about keeping data, and
    the languages of the switcher, each named in itself (Django's own tag would translate
    "English" into the page's language)."""
    return {
        "product_name": product_name(),
        "keep_per_member": settings.EXPORT_KEEP_PER_MEMBER,
        "site_languages": settings.LANGUAGES,
    }
