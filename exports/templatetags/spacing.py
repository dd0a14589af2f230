"""The home page's view of export spacing (see exports/spacing.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.conf import settings
from django.utils import timezone

from exports.models import ExportTask
from exports.spacing import duration_text, export_wait_seconds

register = template.Library()


@register.simple_tag
def next_export_wait(exports: Iterable[ExportTask]) -> int:
    """Seconds until the member's next export may start (0: now)."""
    return export_wait_seconds(exports=exports, now=timezone.now())


@register.filter
def duration(seconds: float) -> str:
    return duration_text(seconds)


@register.simple_tag
def export_spacing() -> str:
    return duration_text(settings.EXPORT_MIN_SPACING)
