"""What the subscription shows when the book is old: the newest ready export is served
until LinkedIn's expiry, whatever newer export is in progress or failed; with none served,
the collection answers 503 with Retry-After, and a client keeps the cards it has.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from exports.models import ExportTask
from tests.carddav.clients import Vdirsyncer, cards_in
from tests.carddav.dav import BOOK, DAV_NS, Dav, member_with_password, multistatus
from tests.exports.factories import export_ingested, member

COLLECTION = "/dav/addressbooks/linkedin/"
TOKEN = f"{DAV_NS}sync-token"


def served_token(dav: Dav) -> str:
    found = multistatus(dav.request("PROPFIND", COLLECTION, "", Depth="0"))
    return found[COLLECTION].text(TOKEN)


def test_a_member_without_a_ready_book_gets_503_with_retry_after(dav_server):
    dav = Dav(dav_server, member_with_password(member()))
    for method, path in [("PROPFIND", COLLECTION), ("REPORT", COLLECTION)]:
        response = dav.request(method, path, "")
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
    assert dav.request("GET", f"{COLLECTION}x.vcf").status_code == 503
    # Discovery still finds the address book, without a token to sync from.
    home = multistatus(dav.request("PROPFIND", "/dav/addressbooks/", "", Depth="1"))
    assert COLLECTION in home
    assert TOKEN not in home[COLLECTION].props


def test_a_newer_export_in_progress_or_failed_leaves_the_ready_book_served(dav: Dav):
    ready = dav.member.tasks[0]
    ExportTask.objects.create(owner=dav.member.user, linkedin_task_id="running")
    assert served_token(dav).endswith(str(ready.public_id))
    ExportTask.objects.filter(linkedin_task_id="running").update(status=ExportTask.Status.FAILED)
    assert served_token(dav).endswith(str(ready.public_id))


def test_the_newest_ready_export_replaces_the_older_one(dav: Dav):
    newer = export_ingested(dav.member.user, BOOK[:2])
    assert served_token(dav).endswith(str(newer.public_id))
    found = multistatus(dav.request("PROPFIND", COLLECTION, "", Depth="1"))
    assert len(found) == 1 + 2


def test_past_expiry_the_collection_answers_503_and_a_client_keeps_its_cards(dav: Dav, tmp_path):
    sync = Vdirsyncer(tmp_path, url=f"{dav.base}/", member=dav.member)
    book = sync.discover_and_sync()
    kept = cards_in(book)
    assert len(kept) == len(BOOK)

    # LinkedIn's expiry passes: the pages answer 410, and the collection serves nothing.
    ExportTask.objects.filter(pk=dav.member.tasks[0].pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = dav.request("PROPFIND", COLLECTION, "", Depth="1")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "3600"
    try:
        sync.run("sync")
    except AssertionError as failed:
        assert "503" in str(failed)
    else:
        raise AssertionError("vdirsyncer should report the 503")
    # vdirsyncer reports the error and deletes nothing: the phone keeps its copy.
    assert cards_in(book) == kept

    # The next export is served again, and the client catches up.
    export_ingested(dav.member.user, BOOK[1:])
    sync.run("sync")
    assert len(cards_in(book)) == len(BOOK) - 1
