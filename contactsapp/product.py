"""The product's name as members read it: the default name in their language, or the name an
operator chose in `PRODUCT_NAME`, as it is."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

DEFAULT_PRODUCT_NAME = "Address Book for LinkedIn"
_default_translated = gettext_lazy("Address Book for LinkedIn")


def product_name() -> str | Promise:
    """Lazy for the default name: worded when shown, in the language active then (an
    e-mail is rendered in its member's language, after its context is built)."""
    if settings.PRODUCT_NAME == DEFAULT_PRODUCT_NAME:
        return _default_translated
    return settings.PRODUCT_NAME
