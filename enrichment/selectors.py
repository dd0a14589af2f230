"""Reads of the enrichment, always through a book its owner holds."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Count

from enrichment.models import Connection, ConnectionArchive
from exports.models import Contact, ExportTask

LARGEST_COMPANIES = 12
UNMATCHED_SHOWN = 50


class CompanyCount(NamedTuple):
    company: str
    contacts: int


def archive_latest(*, task: ExportTask) -> ConnectionArchive | None:
    """The archive joined to the book (the newest: each replaces the one before)."""
    return ConnectionArchive.objects.filter(task=task).order_by("-uploaded_at", "-pk").first()


def largest_companies(*, task: ExportTask, limit: int = LARGEST_COMPANIES) -> list[CompanyCount]:
    """The companies most of the book's contacts work at, with how many: "who do I know at"."""
    counted = (
        Contact.objects.filter(task=task, company_rank__lt=task.with_company_count)
        .values_list("company")
        .annotate(contacts=Count("pk"))
        .order_by("-contacts", "company")[:limit]
    )
    return [CompanyCount._make(row) for row in counted]


def connections_unmatched(*, archive: ConnectionArchive, limit: int = UNMATCHED_SHOWN):
    """The first connections joined to nobody ("connection without contact details")."""
    return Connection.objects.filter(archive=archive, contact_position__isnull=True).order_by(
        "row"
    )[:limit]
