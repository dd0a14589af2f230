"""An archive's connections joined to a book and written to it, all or nothing.

The book's contacts get the company, position, profile URL and connection date of the
connection joined to them (blank for the others), their search text with the company and
position in it, and their place in the company and position sorts (`KeyColumn`, as at
ingest), so those sorts are index ranges like the others. The newest archive of a book
replaces the one before; what it changed (company, position) is counted on it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrichment.models import CompanyChange, CompanyGroup, Connection, ConnectionArchive, MatchedBy
from enrichment.services.archive import ArchiveRefused
from enrichment.services.connections_csv import ConnectionRow
from enrichment.services.join import BookEntry, join
from exports import collation, search_index
from exports.models import Contact, ExportTask
from exports.sort_ranks import KeyColumn

BATCH = 2000
_UPDATE = (
    "UPDATE exports_contact SET company = %s, title = %s, profile_url = %s, connected_on = %s,"
    " search_text = %s, company_rank = %s, title_rank = %s WHERE id = %s"
)
_UPDATE_RANKS = "UPDATE exports_contact SET company_rank = %s, title_rank = %s WHERE id = %s"


def archive_join(
    *,
    task: ExportTask,
    rows: list[ConnectionRow],
    file_kind: str,
    now: datetime | None = None,
) -> ConnectionArchive:
    """Join `rows` to the task's book and store them as its archive; return the archive.

    Raise `ArchiveRefused` (storing nothing) when the book is no longer held.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = ExportTask.objects.select_for_update().filter(pk=task.pk).first()
        if locked is None or locked.status != ExportTask.Status.SUCCEEDED or locked.is_expired(now):
            raise ArchiveRefused(_("This address book is no longer held: export it again first."))
        contacts = list(
            Contact.objects.filter(task=task)
            .order_by("position")
            .values_list(
                "pk",
                "position",
                "name",
                "email",
                "phone",
                "email_key",
                "profile_url",
                "company",
                "title",
            )
        )
        result = join(rows, (BookEntry(c[1], c[5], c[2], c[6]) for c in contacts))
        by_position = {
            position: row
            for row, outcome in zip(rows, result.joined, strict=True)
            for position in outcome.positions
        }
        archive = ConnectionArchive.objects.create(
            owner_id=task.owner_id,
            task=task,
            uploaded_at=now,
            file_kind=file_kind,
            connection_count=len(rows),
            by_email=result.counts[MatchedBy.EMAIL],
            by_url=result.counts[MatchedBy.URL],
            by_name=result.counts[MatchedBy.NAME],
            ambiguous=result.counts["ambiguous"],
        )
        Connection.objects.bulk_create(
            (
                Connection(
                    archive=archive,
                    row=index,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    url=row.url,
                    email=row.email,
                    company=row.company,
                    title=row.title,
                    connected_on=row.connected_on,
                    contact_position=outcome.positions[0] if outcome.positions else None,
                    matched_by=outcome.matched_by,
                )
                for index, (row, outcome) in enumerate(zip(rows, result.joined, strict=True))
            ),
            batch_size=BATCH,
        )
        changes, groups = _write_book(task, contacts, by_position)
        for made in (*changes, *groups):
            made.archive = archive
        CompanyChange.objects.bulk_create(changes, batch_size=BATCH)
        CompanyGroup.objects.bulk_create(groups, batch_size=BATCH)
        archive.changed_company = sum(change.company_changed for change in changes)
        archive.changed_title = sum(change.title_changed for change in changes)
        archive.save(update_fields=["changed_company", "changed_title"])
        # The newest archive is the book's: the rows of the one before are not kept.
        ConnectionArchive.objects.filter(task=task).exclude(pk=archive.pk).delete()
    return archive


def _ranks_copied(cursor, ranks: list[tuple[int, int, int]]) -> None:
    """On PostgreSQL, write the ranks of the contacts without a connection in one UPDATE
    from a temporary table filled by COPY: an UPDATE per contact (executemany) was most
    of a large book's join.
    """
    cursor.execute(
        "CREATE TEMPORARY TABLE enrichment_ranks (company_rank integer, title_rank integer,"
        " id bigint) ON COMMIT DROP"
    )
    with cursor.cursor.copy(
        "COPY enrichment_ranks (company_rank, title_rank, id) FROM STDIN"
    ) as copy:
        for row in ranks:
            copy.write_row(row)
    cursor.execute(
        "UPDATE exports_contact SET company_rank = r.company_rank, title_rank = r.title_rank"
        " FROM enrichment_ranks r WHERE exports_contact.id = r.id"
    )
    cursor.execute("DROP TABLE enrichment_ranks")


def _company_groups(contacts: list, by_position: dict, ranks) -> list[CompanyGroup]:
    """The book's companies as ranges of its company ranks, unsaved."""
    groups: dict[bytes, list[int]] = defaultdict(list)
    spellings: dict[bytes, Counter] = defaultdict(Counter)
    for _pk, position, *_rest in contacts:
        row = by_position.get(position)
        if row is None or not row.company:
            continue
        key = collation.sort_key(row.company)
        groups[key].append(ranks[position])
        spellings[key][row.company] += 1
    return [
        CompanyGroup(
            # most_common keeps the first seen on a tie: the book's order.
            company=spellings[key].most_common(1)[0][0],
            first_rank=min(held),
            contacts=len(held),
        )
        for key, held in groups.items()
    ]


def _with_company(by_position: dict) -> int:
    return sum(1 for row in by_position.values() if row.company)


def _write_book(
    task: ExportTask, contacts: list, by_position: dict
) -> tuple[list[CompanyChange], list[CompanyGroup]]:
    """Write each contact's enrichment, search text and ranks; return, unsaved, the contacts
    whose company or position changed (from one non-blank value to another) and the book's
    companies.
    """
    companies, titles = KeyColumn(), KeyColumn()
    for _pk, position, *_rest in contacts:
        row = by_position.get(position)
        companies.add(position, row.company if row else "")
        titles.add(position, row.title if row else "")
    company_ranks, title_ranks = companies.ranks(), titles.ranks()
    full, ranks_only = [], []
    changes: list[CompanyChange] = []
    for pk, position, name, email, phone, _key, _url, old_company, old_title in contacts:
        row = by_position.get(position)
        ranks = (company_ranks[position], title_ranks[position])
        if row is None and not (old_company or old_title):
            ranks_only.append((*ranks, pk))
            continue
        company, title = (row.company, row.title) if row else ("", "")
        company_changed = bool(old_company and company and old_company != company)
        title_changed = bool(old_title and title and old_title != title)
        if company_changed or title_changed:
            changes.append(
                CompanyChange(
                    position=position,
                    company_changed=company_changed,
                    title_changed=title_changed,
                    previous_company=old_company if company_changed else "",
                    previous_title=old_title if title_changed else "",
                )
            )
        text = collation.search_text(name, email, phone, company, title)
        full.append(
            (
                company,
                title,
                row.url if row else "",
                row.connected_on if row else None,
                text,
                *ranks,
                pk,
            )
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _ranks_copied(cursor, ranks_only)
            ranks_only = []
        for statement, params in ((_UPDATE, full), (_UPDATE_RANKS, ranks_only)):
            for start in range(0, len(params), BATCH):
                cursor.executemany(statement, params[start : start + BATCH])
        if connection.vendor == "postgresql" and full:
            # As after an ingest: the GIN index's pending list merged now (search_index).
            cursor.execute(
                "SELECT gin_clean_pending_list(%s::regclass)", [search_index.POSTGRESQL_INDEX]
            )
    ExportTask.objects.filter(pk=task.pk).update(
        with_company_count=_with_company(by_position),
        with_title_count=sum(1 for row in by_position.values() if row.title),
    )
    return changes, _company_groups(contacts, by_position, company_ranks)
