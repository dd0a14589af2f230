"""`{% refresh_panel %}`: the member's "Keep my address book current" panel, on any page."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import ngettext

from refresh import selectors

register = template.Library()


@register.inclusion_tag("refresh/_panel.html", takes_context=True)
def refresh_panel(context: template.Context) -> dict:
    request = context["request"]
    return {
        "refresh": selectors.refresh_state_get(user=request.user),
        "csrf_token": context.get("csrf_token"),
        # The page without its query: a search (up to the length the URL allows) is not
        # worth repeating in three forms, and the toggle's answer is the page itself.
        "back_to": request.path,
        "every": interval_text(settings.AUTO_REFRESH_INTERVAL),
    }


def interval_text(seconds: float) -> str:
    """Return how often at most, as the panel says it: "once a day", "once every 90 seconds"."""
    seconds = round(seconds)
    # One sentence per unit, so each language words its own plurals.
    if seconds >= 86400 and seconds % 86400 == 0:
        count = seconds // 86400
        return ngettext("once a day", "once every %(count)d days", count) % {"count": count}
    if seconds >= 3600 and seconds % 3600 == 0:
        count = seconds // 3600
        return ngettext("once an hour", "once every %(count)d hours", count) % {"count": count}
    if seconds >= 60 and seconds % 60 == 0:
        count = seconds // 60
        return ngettext("once a minute", "once every %(count)d minutes", count) % {"count": count}
    return ngettext("once every %(count)d second", "once every %(count)d seconds", seconds) % {
        "count": seconds
    }
