"""Factories for issue 10's tests: members and exports ingested from crafted address books.

The books go through the app's own ingest (`services.contacts_ingest`) from a body shaped
exactly like LinkedIn's, as if the sandbox had served it; nothing of ours is mocked.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from contactsapp.models import LinkedInAccount
from exports import linkedin_api, services
from exports.models import Contact, ContactFingerprint, ExportTask

_numbers = itertools.count(1)


def member(*, country: str = "US"):
    number = next(_numbers)
    user = get_user_model().objects.create_user(username=f"member-{number}")
    LinkedInAccount.objects.create(user=user, sub=f"sub-{number}", country=country)
    return user


def contact(name: str = "", email: str = "", phone: str = "") -> dict:
    entry: dict = {}
    if name:
        entry["name"] = name
    if email:
        entry["emailAddress"] = email
    if phone:
        entry["phoneNumber"] = {"number": phone}
    return entry


def export_ingested(
    owner, contacts: list[dict], *, at: datetime | None = None, collation: str = ""
) -> ExportTask:
    """Return a finished export of `contacts` for `owner`, requested at `at`, sorted in the
    alphabetical order of `collation` (a language code, "" for the root order).
    """
    at = at or timezone.now()
    task = ExportTask.objects.create(
        owner=owner, linkedin_task_id="crafted", requested_at=at, collation=collation
    )
    expires = int((at + timedelta(days=1)).timestamp() * 1000)
    body = json.dumps(
        {"status": "SUCCEEDED", "result~": {"contacts": contacts, "expiresAt": expires}}
    ).encode()
    result = linkedin_api.parse_export_task(body).result
    services.contacts_ingest(task=task, result=result, now=at)
    task.refresh_from_db()
    assert task.status == ExportTask.Status.SUCCEEDED
    return task


def export_failed(owner, **fields) -> ExportTask:
    """Return a failed export of `owner`, with `fields` (its failure's code, values, text)."""
    now = timezone.now()
    return ExportTask.objects.create(
        owner=owner,
        linkedin_task_id="crafted",
        status=ExportTask.Status.FAILED,
        requested_at=now,
        finished_at=now,
        **fields,
    )


def two_exports(before: list[dict], after: list[dict], *, owner=None):
    """Return the member's two exports of `before` then `after`, an hour apart."""
    owner = owner or member()
    start = timezone.now() - timedelta(hours=2)
    first = export_ingested(owner, before, at=start)
    second = export_ingested(owner, after, at=start + timedelta(hours=1))
    return first, second


def export_failing_half_way() -> ExportTask:
    """Ingest a book whose second contact is not one; return its task (nothing stored)."""
    task = ExportTask.objects.create(owner=member(), linkedin_task_id="crafted")
    expires = int((timezone.now() + timedelta(days=1)).timestamp() * 1000)
    contacts = [contact("Ada", "ada@example.com"), "not a contact"]
    body = json.dumps(
        {"status": "SUCCEEDED", "result~": {"contacts": contacts, "expiresAt": expires}}
    )
    result = linkedin_api.parse_export_task(body.encode()).result
    with pytest.raises(services.InvalidAddressBook):
        services.contacts_ingest(task=task, result=result)
    assert not Contact.objects.filter(task=task).exists()
    assert not ContactFingerprint.objects.filter(task=task).exists()
    return task
