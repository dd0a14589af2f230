"""Real clients against the live app: vdirsyncer syncs the book through discovery alone,
khard lists what it synced, and Radicale serving the same cards gives vdirsyncer the same
result. The sandbox's `changing` member's next export then arrives as exactly its changes.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import vobject

from tests.carddav.clients import BIN, Entry, Vdirsyncer, cards_in, entry
from tests.carddav.dav import WebMember, cards_in_book, cards_sent
from tests.enrichment.archives import worker_round


def download_cards(web: WebMember, task) -> dict[str, tuple[Entry, str]]:
    """The export's vCard download, card by card: the stored book, by UID."""
    response = web.client.get(f"/exports/{task.public_id}/download/vcard/")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    found = {}
    for piece in text.split("BEGIN:VCARD\r\n")[1:]:
        card = "BEGIN:VCARD\r\n" + piece
        parsed = entry(card)
        found[parsed.uid] = (parsed, card)
    return found


def test_vdirsyncer_gets_the_whole_book_by_discovery_and_then_exactly_the_changes(
    changing: WebMember, dav_server, tmp_path
):
    first = changing.member.tasks[0]
    stored = download_cards(changing, first)
    assert len(stored) == cards_in_book(first) > 50
    # Nobody listed twice: every card's UID is then the download's (see `exports.downloads.uids`).
    assert first.duplicate_count == 0
    sent_before = cards_sent()
    # Only the server's base address, the user name and the device password.
    sync = Vdirsyncer(tmp_path, url=f"{dav_server}/", member=changing.member)
    book = sync.discover_and_sync()
    assert book.name == "linkedin"
    synced = cards_in(book)
    assert cards_sent() - sent_before == len(stored)
    assert sorted(synced) == sorted(f"{uid}.vcf" for uid in stored)
    for uid, (expected, card_text) in stored.items():
        assert synced[f"{uid}.vcf"] == expected
        # The very bytes of the download, line ends included.
        assert (book / f"{uid}.vcf").read_bytes() == card_text.encode()

    second = changing.export()
    assert second.comparison.has_changes
    after = download_cards(changing, second)
    changed = {uid for uid, (_, text) in after.items() if stored.get(uid, (None, ""))[1] != text}
    removed = set(stored) - set(after)
    # Three added, two removed, two new e-mails (a new UID each: the e-mail is the key) and
    # two new phones.
    assert len(changed) >= 3 + 2 and removed
    sent_before = cards_sent()
    sync.run("sync")
    assert cards_sent() - sent_before == len(changed)
    resynced = cards_in(book)
    assert sorted(resynced) == sorted(f"{uid}.vcf" for uid in after)
    assert all(resynced[f"{uid}.vcf"] == parsed for uid, (parsed, _) in after.items())

    sent_before = cards_sent()
    sync.run("sync")
    assert cards_sent() == sent_before  # nothing changed, nothing sent


def test_vdirsyncer_gets_the_company_and_position_of_an_archive_uploaded_after_its_sync(
    changing: WebMember, linkedin, dav_server, tmp_path
):
    task = changing.member.tasks[0]
    sync = Vdirsyncer(tmp_path, url=f"{dav_server}/", member=changing.member)
    book = sync.discover_and_sync()
    before = {path.name: path.read_bytes() for path in book.glob("*.vcf")}
    assert not any(b"\r\nORG:" in card for card in before.values())

    # The member uploads the sandbox's data archive of their book on the export's page.
    sub = linkedin.member("changing")["sub"]
    archive = requests.get(f"{linkedin.url}/_sandbox/archive/{sub}.zip", timeout=30)
    upload = io.BytesIO(archive.content)
    upload.name = "Basic_LinkedInDataExport.zip"
    response = changing.client.post(
        f"/exports/{task.public_id}/company-and-position/", {"archive": upload}
    )
    assert response.status_code == 302
    worker_round()  # the join is the worker's (and so is the cards' index after it)
    stored = download_cards(changing, task)
    # The cards the join changed: a company, a position, a profile or a connection date.
    joined = {uid for uid, (_, text) in stored.items() if before[f"{uid}.vcf"] != text.encode()}
    assert any("\r\nORG:" in stored[uid][1] for uid in joined)

    sent_before = cards_sent()
    sync.run("sync")
    # Exactly the cards the join changed, sent again; each file is the download's card.
    assert cards_sent() - sent_before == len(joined)
    after = {path.name: path.read_bytes() for path in book.glob("*.vcf")}
    assert sorted(after) == sorted(before)
    assert {name for name in after if after[name] != before[name]} == {
        f"{uid}.vcf" for uid in joined
    }
    for uid, (_, text) in stored.items():
        assert after[f"{uid}.vcf"] == text.encode()
    parsed = [vobject.readOne((book / f"{uid}.vcf").read_text()) for uid in joined]
    assert all({"org", "title", "url", "note"} & set(card.contents) for card in parsed)
    assert any({"org", "title"} <= set(card.contents) for card in parsed)


def test_khard_lists_the_synced_book(changing: WebMember, dav_server, tmp_path):
    # The address the "Connect a phone or app" page shows: the DAV root.
    book = Vdirsyncer(
        tmp_path, url=f"{dav_server}/dav/", member=changing.member
    ).discover_and_sync()
    config = tmp_path / "khard.conf"
    config.write_text(
        textwrap.dedent(
            f"""
            [addressbooks]
            [[linkedin]]
            path = {book}/

            [general]
            default_action = list

            [contact table]
            display = formatted_name
            show_uids = yes
            """
        )
    )
    done = subprocess.run(
        [BIN / "khard", "-c", config, "list", "--parsable"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed = [line.split("\t") for line in done.stdout.splitlines() if line.strip()]
    synced = cards_in(book)
    assert len(listed) == len(synced)
    by_uid = {card.uid: card for card in synced.values()}
    assert {uid for uid, *_ in listed} == set(by_uid)
    # khard shows the structured name (N), empty on a card filed under its e-mail or phone.
    named = [(uid, name) for uid, name, _ in listed if name]
    assert len(named) > len(listed) * 3 // 4
    assert all(by_uid[uid].name == name for uid, name in named)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def radicale(tmp_path) -> Iterator[tuple[str, Path]]:
    """Radicale on a free port, any user name let in: its URL and its storage folder."""
    port = _free_port()
    storage = tmp_path / "radicale"
    config = tmp_path / "radicale.conf"
    config.write_text(
        textwrap.dedent(
            f"""
            [server]
            hosts = 127.0.0.1:{port}
            [auth]
            type = none
            [storage]
            filesystem_folder = {storage}
            [logging]
            level = warning
            """
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "Radicale did not start"
                time.sleep(0.1)
        yield url, storage
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_radicale_serving_the_same_cards_gives_vdirsyncer_the_same_book(
    changing: WebMember, dav_server, radicale, tmp_path
):
    ours = Vdirsyncer(tmp_path / "ours", url=f"{dav_server}/", member=changing.member)
    our_book = ours.discover_and_sync()

    # The same cards, as our GET serves them, in a Radicale address book of the same name.
    url, storage = radicale
    collection = storage / "collection-root" / changing.member.username / "linkedin"
    collection.mkdir(parents=True)
    (collection / ".Radicale.props").write_text(
        '{"tag": "VADDRESSBOOK", "D:displayname": "LinkedIn"}'
    )
    for path in our_book.glob("*.vcf"):
        served = requests.get(
            f"{dav_server}/dav/addressbooks/linkedin/{path.name}",
            auth=changing.member.auth,
            timeout=10,
        )
        assert served.status_code == 200
        (collection / path.name).write_bytes(served.content)

    theirs = Vdirsyncer(tmp_path / "theirs", url=url, member=changing.member)
    their_book = theirs.discover_and_sync()
    assert their_book.name == our_book.name == "linkedin"
    assert cards_in(their_book) == cards_in(our_book)
    assert len(cards_in(our_book)) == cards_in_book(changing.member.tasks[0])
