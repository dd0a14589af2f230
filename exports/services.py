"""The domain steps of an export: start, refresh, ingest, purge, delete.

Views and management commands call these and hold no rules of their own. Every change
of an `ExportTask` is a conditional UPDATE on its current status, so two processes
acting on the same task can never both win.
"""

from __future__ import annotations

import json
import logging
import math
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from contactsapp import metrics
from contactsapp.models import LinkedInAccount
from exports import collation, linkedin_api, matching
from exports.bulk_insert import (
    insert_rows,
    large_cache_while_loading,
    refresh_planner_statistics,
)
from exports.duplicates import NOT_LISTED_TWICE, DuplicateKeys, duplicate_ranks
from exports.models import Contact, ContactFingerprint, ExportComparison, ExportTask
from exports.packed import PackedValues
from exports.phones import PhoneReader
from exports.search_index import search_index_add
from exports.sort_ranks import RANK_COLUMNS, SortKeys

logger = logging.getLogger(__name__)

Status = ExportTask.Status


class SignInRequired(Exception):
    """The member has no usable LinkedIn token: they must sign in (again)."""


class InvalidAddressBook(ValueError):
    """LinkedIn's result does not have the shape of an address book."""


class ExportTooSoon(Exception):
    """The member's last export is younger than `EXPORT_MIN_SPACING`."""

    def __init__(self, *, wait_seconds: int):
        super().__init__(f"Wait {wait_seconds} s before the next export.")
        self.wait_seconds = wait_seconds


# --- start --------------------------------------------------------------------------------


def export_start(*, user: AbstractBaseUser, now: datetime | None = None) -> tuple[ExportTask, bool]:
    """Start an export for `user`, or find the one already in progress.

    Return the task and whether it was started now (as `get_or_create` does). Raise
    `SignInRequired` without a usable token, and `ExportTooSoon` when the member's last
    export (one in progress aside, which is returned) is younger than the spacing.
    """
    now = now or timezone.now()
    account = getattr(user, "linkedin_account", None)
    if account is None or not account.has_usable_token:
        raise SignInRequired
    # The latest export that did not fail: one in progress is returned as it is, any other
    # spaces the next. A failed one produced nothing, so trying again at once is fair.
    latest = (
        ExportTask.objects.filter(owner=user)
        .exclude(status=Status.FAILED)
        .order_by("-requested_at")
        .first()
    )
    if latest is not None and latest.status == Status.IN_PROGRESS:
        return latest, False
    if latest is not None:
        _check_spacing(latest, now=now)
    try:
        with transaction.atomic():
            # The creator holds the polling lease while it asks LinkedIn to start, so a
            # status poll arriving meanwhile cannot start a second LinkedIn task.
            task = ExportTask.objects.create(
                owner=user, requested_at=now, next_check_at=now + _call_lease()
            )
    except IntegrityError:
        # One export in progress per member (a double click, or a second tab).
        return ExportTask.objects.get(owner=user, status=Status.IN_PROGRESS), False
    logger.info("event=export_requested export=%s", task.public_id)
    metrics.EXPORTS_STARTED.inc()
    _call_linkedin(task, now=now)
    return task, True


def _check_spacing(latest: ExportTask, *, now: datetime) -> None:
    # Spacing spares LinkedIn's daily limits and keeps a member from piling up copies.
    elapsed = max(0.0, (now - latest.requested_at).total_seconds())
    wait = settings.EXPORT_MIN_SPACING - elapsed
    if wait > 0:
        raise ExportTooSoon(wait_seconds=math.ceil(wait))


# --- refresh ------------------------------------------------------------------------------


def export_refresh(*, task: ExportTask, now: datetime | None = None) -> ExportTask:
    """Bring `task` up to date with LinkedIn, calling it at most once per poll interval.

    Safe to call from any number of requests and workers at once: only the caller that
    wins the database lease talks to LinkedIn; the others get the task as it stands.
    """
    now = now or timezone.now()
    if task.status != Status.IN_PROGRESS:
        return task
    if now - task.requested_at > timedelta(seconds=settings.EXPORT_TIMEOUT):
        reason = task.note or "LinkedIn did not finish generating your address book."
        _finish(task, Status.FAILED, now=now, failure_reason=f"Gave up waiting. {reason}")
        return task
    if task.next_check_at > now:
        # Not due: as fresh as our read of it, and no write needed. Most polls end here,
        # so they read neither the member's account nor anything else.
        return task
    if not task.owner.linkedin_account.has_usable_token:
        if not task.needs_sign_in:
            _update_in_progress(task, needs_sign_in=True)
        return task
    if not _claim(task, now=now):
        task.refresh_from_db()  # another request or worker is calling LinkedIn
        return task
    _call_linkedin(task, now=now)
    return task


def exports_refresh_due(
    *, now: datetime | None = None, limit: int = 100, stop: Callable[[], bool] = lambda: False
) -> int:
    """Refresh every in-progress task whose next check is due; return how many.

    `stop` is asked before each task, so a worker told to stop leaves no task half-done.
    """
    now = now or timezone.now()
    due = (
        ExportTask.objects.filter(status=Status.IN_PROGRESS, next_check_at__lte=now)
        .select_related("owner__linkedin_account")
        .order_by("next_check_at")[:limit]
    )
    count = 0
    for task in due:
        if stop():
            break
        try:
            export_refresh(task=task, now=now)
        except ExportTask.DoesNotExist:
            continue  # its member deleted it meanwhile
        count += 1
    return count


def _call_lease() -> timedelta:
    # Long enough to cover one complete call to LinkedIn, including reading the body.
    return timedelta(seconds=max(settings.EXPORT_POLL_INTERVAL, settings.LINKEDIN_TIMEOUT * 4))


def _claim(task: ExportTask, *, now: datetime) -> bool:
    """Take the lease to call LinkedIn for `task`; False if someone else has it."""
    won = ExportTask.objects.filter(
        pk=task.pk, status=Status.IN_PROGRESS, next_check_at__lte=now
    ).update(next_check_at=now + _call_lease(), last_checked_at=now)
    return won == 1


def _call_linkedin(task: ExportTask, *, now: datetime) -> None:
    """Make the one call to LinkedIn this lease allows, and record what it said."""
    account = task.owner.linkedin_account
    try:
        if not task.linkedin_task_id:
            linkedin_id = linkedin_api.start_export(access_token=account.access_token)
            _checked_ok(task, linkedin_task_id=linkedin_id)
            logger.info("event=export_started export=%s", task.public_id)
            return
        response = linkedin_api.fetch_export(
            access_token=account.access_token, task_id=task.linkedin_task_id
        )
        if response.status == "IN_PROGRESS":
            _checked_ok(task)
        elif response.status == "FAILED":
            _finish(
                task,
                Status.FAILED,
                now=now,
                failure_reason="LinkedIn could not generate your address book this time.",
            )
        else:
            contacts_ingest(task=task, result=response.result, now=now)
    except linkedin_api.TokenRejected:
        # Forget the dead token, unless the member has signed in again meanwhile.
        LinkedInAccount.objects.filter(
            pk=account.pk, encrypted_access_token=account.encrypted_access_token
        ).update(encrypted_access_token="", token_expires_at=None)
        _update_in_progress(task, needs_sign_in=True, next_check_at=timezone.now())
    except (linkedin_api.Unavailable, InvalidAddressBook) as error:
        _checked_with_error(task, error)
    except linkedin_api.PermissionMissing as error:
        _finish(
            task,
            Status.FAILED,
            now=now,
            failure_reason=error.message,
            failure_kind=ExportTask.FailureKind.PERMISSION,
        )
    except linkedin_api.LinkedInAPIError as error:
        _finish(task, Status.FAILED, now=now, failure_reason=error.message)


def _checked_ok(task: ExportTask, **fields: Any) -> None:
    _update_in_progress(
        task,
        note="",
        needs_sign_in=False,
        consecutive_errors=0,
        next_check_at=timezone.now() + timedelta(seconds=settings.EXPORT_POLL_INTERVAL),
        **fields,
    )


def _checked_with_error(task: ExportTask, error: Exception) -> None:
    errors = task.consecutive_errors + 1
    delay = min(settings.EXPORT_MAX_BACKOFF, settings.EXPORT_POLL_INTERVAL * 2 ** (errors - 1))
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        delay = max(delay, retry_after)
    message = getattr(error, "message", str(error))
    logger.warning("event=export_check_failed export=%s errors=%d", task.public_id, errors)
    _update_in_progress(
        task,
        note=f"{message} We will try again in {round(delay)} s.",
        needs_sign_in=False,
        consecutive_errors=errors,
        next_check_at=timezone.now() + timedelta(seconds=delay),
    )


def _update_in_progress(task: ExportTask, **fields: Any) -> bool:
    """Write `fields` only if the task is still in progress; keep `task` in step."""
    updated = ExportTask.objects.filter(pk=task.pk, status=Status.IN_PROGRESS).update(**fields)
    if updated:
        for name, value in fields.items():
            setattr(task, name, value)
    else:
        task.refresh_from_db()
    return bool(updated)


def _finish(task: ExportTask, status: str, *, now: datetime, **fields: Any) -> bool:
    finished = _update_in_progress(
        task, status=status, finished_at=now, note="", needs_sign_in=False, **fields
    )
    if finished:
        logger.info("event=export_finished export=%s status=%s", task.public_id, status)
        metrics.export_finished(status)
    return finished


# --- ingest -------------------------------------------------------------------------------


def contacts_ingest(
    *, task: ExportTask, result: linkedin_api.ExportResult, now: datetime | None = None
) -> ExportTask:
    """Store every contact of LinkedIn's `result~` exactly once, all or nothing.

    Raise `InvalidAddressBook` or `linkedin_api.Unavailable` (and store nothing) if the
    result is malformed.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    expires_at = _expires_at(result.expires_at())
    with transaction.atomic():
        # Lock the task so two racing ingests are serialised; the loser sees it finished.
        locked = ExportTask.objects.select_for_update().filter(pk=task.pk).first()
        if locked is None:
            return task  # its member deleted it meanwhile: store nothing
        if locked.status != Status.IN_PROGRESS:
            task.refresh_from_db()
            return task
        if expires_at <= now:
            _finish(task, Status.EXPIRED, now=now, expires_at=expires_at)
            return task
        # One reading of LinkedIn's contacts stores their fingerprints and gathers their sort
        # keys and duplicate keys; the next stores them, each row complete, so the database
        # only ever inserts. A bad contact half-way raises, and the transaction takes back
        # the rows before it.
        book = _BookKeys()
        with large_cache_while_loading():
            insert_rows(
                ContactFingerprint,
                FINGERPRINT_COLUMNS,
                _fingerprint_rows(task, result.contacts(), region=_member_country(task), book=book),
            )
            ranks = book.sort_keys.ranks()
            groups = book.duplicates.groups()
            totals = _ContactTotals()
            rows = _contact_rows(
                task,
                result.contacts(),
                internationals=book.internationals,
                ranks=ranks,
                groups=groups,
                places=duplicate_ranks(groups),
            )
            insert_rows(Contact, CONTACT_COLUMNS, totals.counted(rows))
            search_index_add(task=task)
            if totals.contacts >= LARGE_ADDRESS_BOOK:
                # PostgreSQL must know the tables are no longer tiny: the comparison below joins
                # on the fingerprints, and without the ranks' statistics it sorts the whole
                # book for each search page instead of walking it in the sort's order.
                refresh_planner_statistics(Contact, ["task", "position", *RANK_COLUMNS])
                refresh_planner_statistics(ContactFingerprint, FINGERPRINT_KEYS)
            export_compare_with_previous(task=task)
        _finish(
            task,
            Status.SUCCEEDED,
            now=now,
            expires_at=expires_at,
            contact_count=totals.contacts,
            with_name_count=totals.with_name,
            with_email_count=totals.with_email,
            with_phone_count=totals.with_phone,
            duplicate_count=len(groups) - groups.count(NOT_LISTED_TWICE),
            consecutive_errors=0,
        )
    logger.info("event=export_ingested export=%s contacts=%d", task.public_id, totals.contacts)
    metrics.ingest_recorded(seconds=time.perf_counter() - started, contacts=totals.contacts)
    address_books_trim(owner_id=task.owner_id)
    return task


LARGE_ADDRESS_BOOK = 5000
CONTACT_COLUMNS = (
    "task",
    "position",
    "name",
    "email",
    "phone",
    "search_text",
    "raw",
    "phone_international",
    "email_key",
    *RANK_COLUMNS,
    "duplicate_group",
    "duplicate_rank",
)


@dataclass
class _ContactTotals:
    contacts: int = 0
    with_name: int = 0
    with_email: int = 0
    with_phone: int = 0

    def counted(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        for row in rows:
            self.contacts += 1
            self.with_name += bool(row[2])
            self.with_email += bool(row[3])
            self.with_phone += bool(row[4])
            yield row


def _expires_at(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAddressBook("LinkedIn's address book did not say when it expires.")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise InvalidAddressBook("LinkedIn's address book has an impossible expiry.") from error


def _member_country(task: ExportTask) -> str:
    account = LinkedInAccount.objects.filter(user_id=task.owner_id).only("country").first()
    return account.country if account else ""


@dataclass
class _BookKeys:
    """What the first reading of a book keeps for the second, a few bytes a contact."""

    sort_keys: SortKeys = field(default_factory=SortKeys)
    duplicates: DuplicateKeys = field(default_factory=DuplicateKeys)
    # Each contact's phone in international form: read once, it costs ~35 us a number.
    internationals: PackedValues = field(default_factory=PackedValues)


def _fingerprint_rows(
    task: ExportTask, entries: Iterator[object], *, region: str, book: _BookKeys
) -> Iterator[tuple]:
    """Yield the fingerprint row of each contact that has something to compare, in
    `FINGERPRINT_COLUMNS` order, keeping its keys in `book`; raise on a non-contact.
    """
    fingerprint = matching.fingerprinter(owner_id=task.owner_id)
    # Its memory goes with this reading: the sort that follows is ingest's peak.
    phones = PhoneReader(region=region)
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidAddressBook(f"Contact {position + 1} from LinkedIn is not a contact.")
        fields = name, email, phone = _contact_fields(_with_keys_as_stored(entry))
        book.sort_keys.add(position, fields)
        international = phones.international(phone)
        book.internationals.append(international.encode())
        email_key = matching.email_key(email)
        # A number that does not parse is still a number: compared with other exports as
        # sent, but never taken for another contact's.
        reachable = international or phone
        email_print, phone_print = fingerprint(email_key), fingerprint(reachable)
        book.duplicates.add(email=email_print, phone=phone_print if international else 0)
        if email_key or phone or name:
            yield (
                task.pk,
                position,
                email_print,
                phone_print,
                fingerprint(matching.name_key(name)),
                fingerprint(f"{email_key}\x00{reachable}" if email_key or phone else ""),
                "",
                False,
                False,
            )


def _contact_rows(
    task: ExportTask,
    entries: Iterator[object],
    *,
    internationals: PackedValues,
    ranks: list[array],
    groups: array,
    places: array,
) -> Iterator[tuple]:
    """Yield one row per contact, in `CONTACT_COLUMNS` order; `groups` and `places` hold
    each position's duplicate group and rank (`NOT_LISTED_TWICE` for none).
    """
    name_ranks, email_ranks, phone_ranks = ranks
    for position, entry in enumerate(entries):
        raw = json.dumps(entry, ensure_ascii=False)
        if "\\u0000" in raw:  # PostgreSQL cannot store NUL in text or JSON
            entry = _without_nul(entry)
            raw = json.dumps(entry, ensure_ascii=False)
        name, email, phone = _contact_fields(entry)
        yield (
            task.pk,
            position,
            name,
            email,
            phone,
            collation.search_text(name, email, phone),
            raw,
            internationals[position].decode(),
            matching.email_key(email),
            name_ranks[position],
            email_ranks[position],
            phone_ranks[position],
            None if (group := groups[position]) == NOT_LISTED_TWICE else group,
            None if group == NOT_LISTED_TWICE else places[position],
        )


def _contact_fields(entry: object) -> tuple[str, str, str]:
    """Return the name, e-mail and phone stored for a contact (blanks for a non-contact)."""
    if not isinstance(entry, dict):
        return "", "", ""
    phone = entry.get("phoneNumber")
    return (
        _text(entry.get("name")),
        _text(entry.get("emailAddress")),
        _text(phone.get("number") if isinstance(phone, dict) else phone),
    )


def _with_keys_as_stored(entry: dict) -> dict:
    """Return `entry` as far as `_contact_fields` reads it, as it will be stored: a NUL in
    a value is dropped by `_text`, but one in a key moves the value to another key.
    """
    keys = "".join(entry)  # one scan of the keys: this runs for every contact
    if isinstance(phone := entry.get("phoneNumber"), dict):
        keys += "".join(phone)
    return _without_nul(entry) if "\x00" in keys else entry


def _without_nul(value: Any) -> Any:
    """Return `value` without NUL characters, at any depth."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _text(value: Any) -> str:
    """Return a field as text: LinkedIn's contacts are free text from many sources."""
    if isinstance(value, str):  # nearly always: checked first, as it runs 3 times a contact
        return value.replace("\x00", "").strip()
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).replace("\x00", "").strip()


# --- changes, computed once at ingest ---------------------------------------------------
#
# Duplicates and fingerprints are found while the book is read (`_fingerprint_rows`); the
# comparison with the previous export is a few set-based statements on indexed columns, so
# an address book of 50,000 contacts compared with another of 50,000 costs a few passes
# over two indexes, never a Python loop over pairs (see bench/formats.py).

FINGERPRINT_KEYS = ["task", "position", "email", "phone", "name", "reach"]
FINGERPRINT_COLUMNS = (
    "task",
    "position",
    "email",
    "phone",
    "name",
    "reach",
    "matched_by",
    "email_changed",
    "phone_changed",
)


def export_previous(*, task: ExportTask) -> ExportTask | None:
    """Return the member's export before `task` whose fingerprints are kept, if any."""
    has_fingerprints = Exists(ContactFingerprint.objects.filter(task=OuterRef("pk")))
    return (
        ExportTask.objects.alias(has_fingerprints=has_fingerprints)
        .filter(owner_id=task.owner_id, requested_at__lt=task.requested_at)
        .filter(Q(status=Status.SUCCEEDED) | Q(status=Status.EXPIRED, has_fingerprints=True))
        .exclude(pk=task.pk)
        .order_by("-requested_at")
        .first()
    )


# The order in which a contact is looked for in the previous export: its e-mail first, then
# its phone among the contacts not found by e-mail, then its name among those left.
MATCH_ORDER = (
    ContactFingerprint.MatchedBy.EMAIL,
    ContactFingerprint.MatchedBy.PHONE,
    ContactFingerprint.MatchedBy.NAME,
)


def export_compare_with_previous(*, task: ExportTask) -> ExportComparison | None:
    """Record how the task's address book differs from the member's previous export.

    Works from fingerprints only, so the previous contacts may already be purged. A
    contact is new if no previous one matches it; changed if none of the previous contacts
    it matches has its e-mail and phone (the changed field is the one that differs from
    the first of them); the previous contacts nobody matched are no longer there.
    Duplicates on either side match together.
    """
    previous = export_previous(task=task)
    if previous is None:
        return None
    table = _sql_names(ContactFingerprint)
    current_id, previous_id = task.pk, previous.pk
    with connection.cursor() as cursor:
        # Only the new export's rows are written: which previous contact each one is.
        for number, level in enumerate(MATCH_ORDER):
            column = level.value  # the fingerprint column of the same name
            free, free_params = _not_found_by(MATCH_ORDER[:number], current_id, table)
            candidates = (
                f"FROM {table} old WHERE old.task_id = %s AND old.{column} = {table}.{column}{free}"
            )
            candidate_params = [previous_id, *free_params]
            cursor.execute(
                f"UPDATE {table} SET matched_by = %s, "  # noqa: S608
                f"previous_position = (SELECT MIN(old.position) {candidates}) "
                f"WHERE task_id = %s AND matched_by = '' AND {column} <> 0 "
                f"AND EXISTS (SELECT 1 {candidates})",
                [level.value, *candidate_params, current_id, *candidate_params],
            )
        # Changed: no previous contact of the same person has this e-mail and phone (one
        # probe of the index of the column it was matched by; `reach` has none of its own),
        # then the field that differs from the contact it was matched to (one probe of the
        # (task, position) key). Only the changed rows are written.
        for level in MATCH_ORDER:
            column = level.value
            for field in ("email", "phone"):
                cursor.execute(
                    f"UPDATE {table} SET {field}_changed = %s "  # noqa: S608
                    f"WHERE task_id = %s AND matched_by = %s "
                    f"AND NOT EXISTS (SELECT 1 FROM {table} old WHERE old.task_id = %s "
                    f"AND old.reach = {table}.reach AND old.{column} = {table}.{column}) "
                    f"AND NOT EXISTS (SELECT 1 FROM {table} old WHERE old.task_id = %s "
                    f"AND old.position = {table}.previous_position "
                    f"AND old.{field} = {table}.{field})",
                    [True, current_id, level.value, previous_id, previous_id],
                )
        gone, gone_params = _not_found_by(MATCH_ORDER, current_id, table)
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} old WHERE old.task_id = %s{gone}",  # noqa: S608
            [previous_id, *gone_params],
        )
        (removed,) = cursor.fetchone()
    current = ContactFingerprint.objects.filter(task=task)
    comparison, _ = ExportComparison.objects.update_or_create(
        task=task,
        defaults={
            "previous": previous,
            "previous_requested_at": previous.requested_at,
            "new_count": current.filter(matched_by="").count(),
            "changed_count": current.filter(Q(email_changed=True) | Q(phone_changed=True)).count(),
            "removed_count": removed,
        },
    )
    return comparison


def _not_found_by(
    levels: tuple[ContactFingerprint.MatchedBy, ...], current_id: int, table: str
) -> tuple[str, list]:
    """Return SQL (and its parameters) saying that the previous contact `old` was found by
    no contact of the new export at any of `levels`; nothing is stored on the old rows.
    """
    sql, params = "", []
    for level in levels:
        column = level.value
        sql += (
            f" AND NOT (old.{column} <> 0 AND EXISTS (SELECT 1 FROM {table} new "  # noqa: S608
            f"WHERE new.task_id = %s AND new.matched_by = %s AND new.{column} = old.{column}))"
        )
        params += [current_id, level.value]
    return sql, params


def _sql_names(model: type[Contact] | type[ContactFingerprint]) -> str:
    """Return the model's quoted table name, for the set-based statements above."""
    return connection.ops.quote_name(model._meta.db_table)


# --- purge --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeReport:
    tasks: int
    contacts: int


def exports_purge_expired(
    *, now: datetime | None = None, batch_size: int = 5000, dry_run: bool = False
) -> PurgeReport:
    """Delete the contacts of every result past LinkedIn's `expiresAt`; mark it EXPIRED.

    Contacts go in batches, each its own transaction, so a huge result never holds one
    long lock; the task row stays as history. Running it again finishes what an
    interrupted run left and otherwise does nothing.
    """
    now = now or timezone.now()
    has_contacts = Exists(Contact.objects.filter(task=OuterRef("pk")))
    expired = (
        ExportTask.objects.alias(has_contacts=has_contacts)
        .filter(expires_at__lte=now)
        .filter(Q(status=Status.SUCCEEDED) | Q(status=Status.EXPIRED, has_contacts=True))
    )
    tasks = contacts = 0
    for task in expired.order_by("expires_at"):
        tasks += 1
        if dry_run:
            contacts += task.contacts.count()
            continue
        # Mark it first: from here on nothing is served, even while rows remain.
        ExportTask.objects.filter(pk=task.pk, status=Status.SUCCEEDED).update(status=Status.EXPIRED)
        contacts += _delete_contacts_in_batches(task, batch_size=batch_size)
        logger.info("event=export_purged export=%s", task.public_id)
    return PurgeReport(tasks=tasks, contacts=contacts)


def _delete_contacts_in_batches(task: ExportTask, *, batch_size: int) -> int:
    deleted = 0
    while True:
        batch = list(task.contacts.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        deleted += Contact.objects.filter(pk__in=batch).delete()[0]


# --- delete -------------------------------------------------------------------------------


def export_delete(*, task: ExportTask) -> None:
    """Delete the export and everything stored for it, at once.

    Its contacts, and anything else that references the export, go with it by CASCADE.
    """
    public_id = task.public_id
    task.delete()
    logger.info("event=export_deleted export=%s", public_id)


def address_books_trim(*, owner_id: int) -> int:
    """Delete the member's oldest address books beyond `EXPORT_KEEP_PER_MEMBER`; return how many.

    Only ready address books count: failed and expired exports hold no contacts.
    """
    keep = settings.EXPORT_KEEP_PER_MEMBER
    if keep <= 0:
        return 0
    ready = ExportTask.objects.filter(owner_id=owner_id, status=Status.SUCCEEDED)
    surplus = ready.order_by("-requested_at", "-pk")[keep:]
    trimmed = 0
    for task in list(surplus):
        export_delete(task=task)
        trimmed += 1
    return trimmed


def member_data_delete(*, user: AbstractBaseUser) -> None:
    """Delete everything held about the member: exports, contacts, token, account, user.

    The user's row goes last, and everything that references it goes with it by CASCADE.
    """
    user_id = user.pk
    with transaction.atomic():
        # Exports first and explicitly: their contacts are the bulk of what is held.
        for task in ExportTask.objects.filter(owner=user):
            export_delete(task=task)
        user.delete()
    logger.info("event=member_deleted user=%s", user_id)
