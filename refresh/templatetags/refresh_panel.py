"""`{% refresh_panel %}`: the member's "Keep my address book current" panel, on any page."""

from __future__ import annotations

from django import template
from django.conf import settings

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
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return (
                f"once a{'n' if unit == 'hour' else ''} {unit}"
                if count == 1
                else (f"once every {count} {unit}s")
            )
    return f"once every {seconds} seconds"
