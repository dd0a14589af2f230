"""`{% refresh_panel %}`: the member's "Keep my address book current" panel, on any page."""

from __future__ import annotations

from django import template

from refresh import selectors

register = template.Library()


@register.inclusion_tag("refresh/_panel.html", takes_context=True)
def refresh_panel(context: template.Context) -> dict:
    request = context["request"]
    return {
        "refresh": selectors.refresh_state_get(user=request.user),
        "csrf_token": context.get("csrf_token"),
        "back_to": request.get_full_path(),
    }
