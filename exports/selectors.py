"""Reads of exports and contacts, always scoped to their owner."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import cached_property

from exports.models import Contact, ExportTask

# Public sort keys → ordering; `position` (LinkedIn's own order) breaks ties.
CONTACT_SORTS: dict[str, tuple[str, ...]] = {
    "": ("position",),
    "name": ("name", "position"),
    "-name": ("-name", "-position"),
    "email": ("email", "position"),
    "-email": ("-email", "-position"),
    "phone": ("phone", "position"),
    "-phone": ("-phone", "-position"),
}
MAX_QUERY_LENGTH = 200


def exports_for_owner(*, user: AbstractBaseUser) -> QuerySet[ExportTask]:
    return ExportTask.objects.filter(owner=user).order_by("-requested_at")


def export_get_for_owner(*, user: AbstractBaseUser, public_id: UUID) -> ExportTask:
    """Return the member's export; anyone else gets 404, so ids reveal nothing."""
    task = (
        ExportTask.objects.select_related("owner__linkedin_account")
        .filter(owner=user, public_id=public_id)
        .first()
    )
    if task is None:
        raise Http404("No such export.")
    return task


def contacts_search(*, task: ExportTask, query: str = "", sort: str = "") -> QuerySet[Contact]:
    """Return the task's contacts matching `query` in name, email or phone, sorted."""
    contacts = Contact.objects.filter(task=task)
    query = query.strip().lower()[:MAX_QUERY_LENGTH]
    if "\x00" in query:
        # No stored contact holds a NUL (ingest drops them), and PostgreSQL refuses one.
        return contacts.none()
    if query:
        contacts = contacts.filter(search_text__contains=query)
    return contacts.order_by(*CONTACT_SORTS.get(sort, CONTACT_SORTS[""]))


def contacts_page(
    *, task: ExportTask, query: str, sort: str, page_number: str | int | None, per_page: int
) -> Page:
    """Return one page of the task's contacts, searched and sorted.

    The whole book in LinkedIn's order is the common case, and the slow one at 50,000
    contacts if done with COUNT and OFFSET; positions run 0..n-1 without gaps, so that
    page is an index range and the count is the one stored at ingest.
    """
    contacts = contacts_search(task=task, query=query, sort=sort)
    if query.strip() or sort:
        return Paginator(contacts, per_page).get_page(page_number)
    return _PositionPaginator(contacts, per_page, count=task.contact_count).get_page(page_number)


class _PositionPaginator(Paginator):
    def __init__(self, object_list: QuerySet[Contact], per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count

    def page(self, number: str | int) -> Page:
        number = self.validate_number(number)
        first = (number - 1) * self.per_page
        rows = self.object_list.filter(position__gte=first, position__lt=first + self.per_page)
        return self._get_page(rows, number, self)
