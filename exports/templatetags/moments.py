"""How the app shows a moment: to the second, with its time zone, in a `<time>` element."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# To the second, so two exports started in the same minute can be told apart; with the
# zone, so nobody wonders whether it is their time or the server's.
MOMENT_FORMAT = "j M Y, H:i:s T"


def moment_text(value: datetime) -> str:
    return dateformat.format(timezone.localtime(value), MOMENT_FORMAT)


@register.filter
def moment(value: datetime | None) -> SafeString | str:
    """Render `value` as `<time datetime="…">30 Nov 2026, 07:31:05 UTC</time>`."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), moment_text(value))
