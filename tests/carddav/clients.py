"""The real clients the CardDAV tests drive: vdirsyncer with a config of one pair, and the
cards of the folder it syncs into, parsed with vobject.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import vobject

from tests.carddav.dav import Member

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Entry:
    """What a person sees of a card: its UID, name, e-mails and phones."""

    uid: str
    name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]


def entry(text: str) -> Entry:
    card = vobject.readOne(text)
    return Entry(
        uid=card.uid.value,
        name=card.fn.value,
        emails=tuple(sorted(line.value for line in card.contents.get("email", []))),
        phones=tuple(sorted(line.value for line in card.contents.get("tel", []))),
    )


def cards_in(folder: Path) -> dict[str, Entry]:
    """Each card file of a synced folder, parsed, by file name."""
    return {path.name: entry(path.read_text()) for path in sorted(folder.glob("*.vcf"))}


class Vdirsyncer:
    """vdirsyncer with a config of one pair: a local folder and a CardDAV server."""

    def __init__(self, home: Path, *, url: str, member: Member):
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.folder = home / "contacts"
        self.config = home / "config"
        self.config.write_text(
            textwrap.dedent(
                f"""
                [general]
                status_path = "{home / "status"}/"

                [pair book]
                a = "phone"
                b = "server"
                collections = ["from b"]
                conflict_resolution = "b wins"

                [storage phone]
                type = "filesystem"
                path = "{self.folder}/"
                fileext = ".vcf"

                [storage server]
                type = "carddav"
                url = "{url}"
                username = "{member.username}"
                password = "{member.password}"
                read_only = true
                """
            )
        )

    def run(self, *args: str, answer: str = "") -> str:
        done = subprocess.run(
            [BIN / "vdirsyncer", "-c", self.config, *args],
            input=answer,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "error:" not in done.stderr, done.stderr
        return done.stdout + done.stderr

    def discover_and_sync(self) -> Path:
        self.run("discover", "book", answer="y\n")
        self.run("sync")
        (book,) = [path for path in self.folder.iterdir() if path.is_dir()]
        return book
