"""Reads of the enrichment, always through a book its owner holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404

from enrichment.models import ArchiveJob, CompanyChange, CompanyGroup, Connection, ConnectionArchive
from exports.models import Contact, ExportTask
from exports.pagination import KnownCountPaginator
from exports.selectors.contacts import contacts_shown

LARGEST_COMPANIES = 12
UNMATCHED_SHOWN = 50
CHANGES_SHOWN = 20


def archive_latest(*, task: ExportTask) -> ConnectionArchive | None:
    """The archive joined to the book (the newest: each replaces the one before)."""
    return ConnectionArchive.objects.filter(task=task).order_by("-uploaded_at", "-pk").first()


def job_latest(*, task: ExportTask) -> ArchiveJob | None:
    """The book's newest queued, running or finished join, without its rows."""
    return ArchiveJob.objects.filter(task=task).defer("rows").order_by("-created_at", "-pk").first()


def carry_pending(*, task: ExportTask) -> bool:
    """True when the worker has yet to join the member's earlier archive to this book."""
    return (
        not ConnectionArchive.objects.filter(task=task).exists()
        and ConnectionArchive.objects.filter(
            owner_id=task.owner_id, task__requested_at__lt=task.requested_at
        ).exists()
    )


def largest_companies(
    *, archive: ConnectionArchive, limit: int = LARGEST_COMPANIES
) -> list[CompanyGroup]:
    """The companies most of the book's contacts work at, with how many: "who do I know at"."""
    return list(CompanyGroup.objects.filter(archive=archive).order_by("-contacts", "pk")[:limit])


def company_get(*, archive: ConnectionArchive, company_id: int) -> CompanyGroup:
    """One company of the archive's book; 404 when it is not one (of a replaced archive)."""
    found = CompanyGroup.objects.filter(archive=archive, pk=company_id).first()
    if found is None:
        raise Http404("No such company.")
    return found


class _CompanyPaginator(KnownCountPaginator):
    """A company's contacts in the company sort: a page is a range of company ranks."""

    def __init__(self, task: ExportTask, company: CompanyGroup, per_page: int):
        super().__init__(None, per_page, count=company.contacts)
        self.task, self.first = task, company.first_rank

    def window(self, start: int, stop: int) -> list[Contact]:
        if start >= stop:
            return []
        contacts = contacts_shown(Contact.objects.filter(task=self.task))
        ranks = (self.first + start, self.first + stop - 1)
        return list(contacts.filter(company_rank__range=ranks).order_by("company_rank"))


def company_contacts_page(
    *, task: ExportTask, company: CompanyGroup, page_number: str | int | None, per_page: int
) -> Page:
    """One page of the contacts at `company`, by name of company then LinkedIn's order."""
    return _CompanyPaginator(task, company, per_page).get_page(page_number)


def connections_unmatched(*, archive: ConnectionArchive, limit: int = UNMATCHED_SHOWN):
    """The first connections joined to nobody ("connection without contact details")."""
    return Connection.objects.filter(archive=archive, contact_position__isnull=True).order_by(
        "row"
    )[:limit]


def company_changes(*, archive: ConnectionArchive) -> QuerySet[CompanyChange]:
    """The contacts whose company or position the archive changed, in the book's order."""
    return CompanyChange.objects.filter(archive=archive).order_by("position")


class ChangedCompany(NamedTuple):
    """A contact whose company or position changed, as the changes panel and CSV show it."""

    company_changed: bool
    title_changed: bool
    name: str
    email: str
    phone: str
    phone_international: str
    company: str
    title: str
    previous_company: str
    previous_title: str


_CHANGE_FIELDS = ("company_changed", "title_changed", "previous_company", "previous_title")
_CONTACT_FIELDS = ("name", "email", "phone", "phone_international", "company", "title")
_BATCH = 2000


def companies_changed(*, task: ExportTask, limit: int | None = None) -> Iterator[ChangedCompany]:
    """Yield the contacts of the book whose company or position its archive changed (the
    first `limit`, or all in batches), in the book's order.
    """
    archive = archive_latest(task=task)
    if archive is None or not (archive.changed_company or archive.changed_title):
        return
    changes = company_changes(archive=archive).values_list("position", *_CHANGE_FIELDS)
    if limit is not None:
        changes = changes[:limit]
    after = -1
    while True:
        batch = list(changes if limit is not None else changes.filter(position__gt=after)[:_BATCH])
        if not batch:
            return
        positions = [row[0] for row in batch]
        contacts = {
            position: fields
            for position, *fields in Contact.objects.filter(
                task=task, position__in=positions
            ).values_list("position", *_CONTACT_FIELDS)
        }
        for position, company_changed, title_changed, previous_company, previous_title in batch:
            fields = contacts.get(position)
            if fields is None:
                continue
            name, email, phone, international, company, title = fields
            yield ChangedCompany(
                company_changed, title_changed, name, email, phone, international,
                company, title, previous_company, previous_title,
            )  # fmt: skip
        if limit is not None or len(batch) < _BATCH:
            return
        after = positions[-1]
