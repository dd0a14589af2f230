"""Reads of a member's exports: the list, one export, and what a status poll needs."""

from __future__ import annotations

from functools import cache
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from exports.models import ExportTask

# What a status poll reads: the fields its panel and row show, and those that say whether a
# call to LinkedIn is due.
PROGRESS_FIELDS = (
    "id",
    "public_id",
    "owner_id",
    "linkedin_task_id",
    "status",
    "note",
    "note_code",
    "note_params",
    "needs_sign_in",
    "requested_at",
    "expires_at",
    "next_check_at",
    "consecutive_errors",
)


def exports_for_owner(*, user: AbstractBaseUser) -> QuerySet[ExportTask]:
    return ExportTask.objects.filter(owner=user).order_by("-requested_at")


def export_get_for_owner(*, user: AbstractBaseUser, public_id: UUID) -> ExportTask:
    """Return the member's export; anyone else gets 404, so ids reveal nothing.

    With its comparison to the previous export (`export_changes`) in the same query: every
    query of a page is a round trip, on PostgreSQL a good part of the page's time.
    """
    task = (
        ExportTask.objects.select_related("owner__linkedin_account", "comparison__previous")
        .filter(owner=user, public_id=public_id)
        .first()
    )
    if task is None:
        raise Http404("No such export.")
    return task


def export_progress_get(*, user: AbstractBaseUser, public_id: UUID) -> ExportTask:
    """Return the member's export with only what a status poll reads; 404 for anyone else.

    Every open page polls every 2 s, so this is the app's most frequent query. Built by
    the ORM, its compiling cost more than the rest of the view (the database's work is a
    lookup on the unique `public_id`); one fixed statement made from the model's own names
    is a fraction of that. The rows come back through `raw()`, so each column is
    converted as the ORM would, and fields left out are deferred. A finished task is read
    again in full (`export_get_for_owner`) for its results.
    """
    task = next(
        iter(ExportTask.objects.raw(_progress_sql(), [user.pk, _public_id_param(public_id)])),
        None,
    )
    if task is None:
        raise Http404("No such export.")
    task.owner = user  # already loaded by the sign-in check: a due call reads its account
    return task


@cache
def _progress_sql() -> str:
    meta, quote = ExportTask._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in PROGRESS_FIELDS)
    owner, public_id = (quote(meta.get_field(name).column) for name in ("owner", "public_id"))
    # Only the model's own names go into the text; the values are parameters.
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {owner} = %s AND {public_id} = %s"  # noqa: S608


def _public_id_param(public_id: UUID) -> Any:
    # A UUID is a 32-character string on SQLite and a native uuid on PostgreSQL.
    return ExportTask._meta.get_field("public_id").get_db_prep_value(public_id, connection)
