"""Reads of exports and contacts, always scoped to their owner."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

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
    if query:
        contacts = contacts.filter(search_text__contains=query)
    return contacts.order_by(*CONTACT_SORTS.get(sort, CONTACT_SORTS[""]))
