"""A digest of everything ingest stores, to show a change to ingest leaves its results alone.

    .venv/bin/python -m bench.ingest_digest --size 50000             # SQLite and PostgreSQL
    .venv/bin/python -m bench.ingest_digest --db sqlite --size 2000 --profile

Each database on a throwaway of its own (`bench.cli.throwaway_database`) with one fixed
server key, so the fingerprints are the same from run to run: members from three countries
(none, the United States, Great Britain) each store the generated book and its next three
exports (`evolve`: contacts added, removed and changed, so every comparison has work), and
one member a book of its own seed. Then every stored row is hashed, table by table, in a
fixed order (export by export, position by position, ids left out): the contacts with every
column (the JSON as its stored text), the fingerprints with their comparison, the
comparisons, the exports' counts, and SQLite's search index. The same digests from the code
before and after a change mean the change stored the same thing.

`--profile` also prints cProfile's top lines for the ingest of the largest book.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
# Fixed, so fingerprints repeat across runs; a throwaway database's key, nothing else's.
DIGEST_SECRET_KEY = "bench-ingest-digest-key-0123456789-abcdefghijklmnopqrstuvwxyz"
COUNTRIES = ("", "US", "GB")
EXPORTS_PER_MEMBER = 4


def main(argv: list[str] | None = None) -> int:
    from bench.cli import app_environment, parse_args, throwaway_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--size", type=int, default=20_000, help="contacts of each book")
    parser.add_argument("--profile", action="store_true", help="cProfile one ingest")
    parser.add_argument("--postgres-db", default="contactsapp_bench_digest")
    options = parser.parse_args(argv)
    bench_options = parse_args(["--postgres-db", options.postgres_db])
    for kind in options.db.split(","):
        with throwaway_database(kind, bench_options) as url, tempfile.TemporaryDirectory() as d:
            output = Path(d) / "digest.json"
            env = {
                **os.environ,
                **app_environment(url),
                "SECRET_KEY": DIGEST_SECRET_KEY,
                "LOG_LEVEL": "WARNING",
            }
            command = [sys.executable, "-m", "bench.ingest_digest", "--worker"]
            subprocess.run(  # noqa: S603 (our own interpreter and module)
                [*command, str(options.size), str(output), "1" if options.profile else ""],
                cwd=REPOSITORY,
                env=env,
                check=True,
            )
            result = json.loads(output.read_text())
        print(f"== {kind} ({options.size:,} contacts a book) ==")
        for table, digest in result["digests"].items():
            print(f"{table:<14} {digest}")
        if result.get("profile"):
            print(result["profile"])
    return 0


def worker(size: int, output: str, profiled: bool) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from bench.body import export_body
    from bench.measure import ingest_app
    from contactsapp.models import LinkedInAccount

    call_command("migrate", verbosity=0, interactive=False)
    bodies = [export_body(size, version=version) for version in range(EXPORTS_PER_MEMBER)]
    owners = []
    for number, country in enumerate(COUNTRIES):
        user = get_user_model().objects.create_user(username=f"digest-{number}")
        LinkedInAccount.objects.create(user=user, sub=f"digest-{number}", country=country)
        owners.append(user)
    day = timezone.timedelta(days=1)
    for owner in owners:
        for number, body in enumerate(bodies):
            task, _ = ingest_app(body, owner)
            # Apart in time as real exports are, oldest first.
            task.__class__.objects.filter(pk=task.pk).update(
                requested_at=timezone.now() - (EXPORTS_PER_MEMBER - number) * day
            )
    other = get_user_model().objects.create_user(username="digest-other")
    ingest_app(export_body(size // 2, seed="other"), other)
    result = {"digests": digests()}
    if profiled:
        from bench.worker import profile_top

        profiled_owner = get_user_model().objects.create_user(username="digest-profiled")
        LinkedInAccount.objects.create(user=profiled_owner, sub="digest-profiled", country="US")
        body = bodies[0]
        result["profile"] = profile_top(lambda: ingest_app(body, profiled_owner), lines=30)
    Path(output).write_text(json.dumps(result))


# Each table's rows, in a fixed order, with the export as its ordinal among the exports
# (ids of a fresh database, but never of the rows themselves).
def _queries(vendor: str) -> dict[str, str]:
    as_text = "::text" if vendor == "postgresql" else ""
    queries = {
        "exports": (
            "SELECT t.id, u.username, t.status, t.contact_count, t.with_name_count, "
            "t.with_email_count, t.with_phone_count, t.duplicate_count, "
            "t.duplicate_people_count, t.duplicate_listed_count, t.consecutive_errors "
            "FROM exports_exporttask t JOIN auth_user u ON u.id = t.owner_id ORDER BY t.id"
        ),
        "contacts": (
            "SELECT task_id, position, name, email, phone, search_text, "  # noqa: S608
            f"raw{as_text}, phone_international, email_key, name_rank, email_rank, phone_rank, "
            "duplicate_group, duplicate_listing, duplicate_rule, duplicate_rank, company, "
            "title, company_rank, title_rank "
            "FROM exports_contact ORDER BY task_id, position"
        ),
        "fingerprints": (
            "SELECT task_id, position, email, phone, name, reach, matched_by, "
            "previous_position, email_changed, phone_changed "
            "FROM exports_contactfingerprint ORDER BY task_id, position"
        ),
        "comparisons": (
            "SELECT task_id, previous_id, new_count, changed_count, removed_count, "  # noqa: S608
            f"departed_positions{as_text} FROM exports_exportcomparison ORDER BY task_id"
        ),
    }
    if vendor == "sqlite":
        queries["search_index"] = (
            "SELECT c.task_id, c.position, s.search_text FROM exports_contact_search s "
            "JOIN exports_contact c ON c.id = s.rowid ORDER BY c.task_id, c.position"
        )
    return queries


def digests() -> dict[str, str]:
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        for table, query in _queries(connection.vendor).items():
            cursor.execute(query)
            digest = hashlib.sha256()
            rows = 0
            while batch := cursor.fetchmany(10_000):
                for row in batch:
                    digest.update(repr(tuple(_plain(value) for value in row)).encode())
                    rows += 1
            found[table] = f"{digest.hexdigest()[:32]} ({rows:,} rows)"
    return found


def _plain(value: object) -> object:
    # SQLite hands back booleans as integers: PostgreSQL's alike, so one digest reads both.
    return int(value) if isinstance(value, bool) else value


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(int(sys.argv[2]), sys.argv[3], bool(sys.argv[4] if len(sys.argv) > 4 else ""))
    else:
        sys.exit(main())
