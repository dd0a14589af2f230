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
        "back_to": request.get_full_path(),
        "every": interval_text(settings.AUTO_REFRESH_INTERVAL),
    }


def interval_text(seconds: float) -> str:
    """Return the interval as the panel says it: "a day", "6 hours", "90 seconds"."""
    seconds = round(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"a {unit}" if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"
