"""The translation catalogues, made and compiled in Python (Babel and polib, no GNU gettext).

`catalogue_extract` reads every translatable string of the app — templates through Django's
own `templatize` (what `makemessages` does before it runs xgettext), Python through Babel's
extractor — and writes `locale/<locale>/LC_MESSAGES/django.po` for each language of
`settings.LANGUAGES`, keeping every translation already made, dropping what the app no
longer says, and marking nothing fuzzy. `catalogue_compile` writes each `.mo` beside its
`.po` with polib. Both `.po` and `.mo` are committed, so running the app needs neither tool;
the tests check that the committed files are what these functions make now.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polib
from babel.messages.extract import extract
from django.conf import settings
from django.utils.translation import to_locale
from django.utils.translation.template import templatize

DOMAIN = "django"
SOURCE_LANGUAGE = "en"
# The application's packages; the sandbox (it stays English), tests, bench and migrations
# say nothing to a member.
PYTHON_PACKAGES = (
    "carddav",
    "contactsapp",
    "devices",
    "enrichment",
    "exports",
    "languages",
    "mail",
    "operations",
    "refresh",
)
TEMPLATE_DIRS = ("templates",)
TEMPLATE_SUFFIXES = (".html", ".txt")
SKIPPED_FOLDERS = frozenset({"migrations", "__pycache__", "tests", "bench", "linkedin_sandbox"})

# As Django's own catalogues have them (CLDR's newer "many" forms for millions aside).
PLURAL_FORMS = {
    "en": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "pt-br": "nplurals=2; plural=(n > 1);",
    "ja": "nplurals=1; plural=0;",
    "ar": (
        "nplurals=6; plural=(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : "
        "n % 100 >= 3 && n % 100 <= 10 ? 3 : n % 100 >= 11 && n % 100 <= 99 ? 4 : 5);"
    ),
}

# Babel's default keywords plus Django's lazy and no-op ones, with their arguments:
# (1, 2) singular and plural, (1, "c") the context.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("Translators:",)
_PYTHON_FORMAT = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")


@dataclass
class Message:
    msgid: str
    msgid_plural: str = ""
    msgctxt: str | None = None
    locations: list[tuple[str, str]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _source_files(base: Path) -> Iterator[tuple[Path, str]]:
    """Every file to read, with how: "template" or "python", in a stable order."""
    for folder in TEMPLATE_DIRS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in TEMPLATE_SUFFIXES and path.is_file():
                yield path, "template"
    for package in PYTHON_PACKAGES:
        for path in sorted((base / package).rglob("*.py")):
            if not SKIPPED_FOLDERS.intersection(path.relative_to(base).parts):
                yield path, "python"


def _python_of(path: Path, kind: str) -> bytes:
    text = path.read_text(encoding="utf-8")
    if kind == "template":
        # templatize keeps the template's indentation, which Python's tokenizer (Babel's
        # extractor uses it) refuses; every line stands alone, so it can go.
        lines = templatize(text, origin=str(path)).splitlines()
        text = "\n".join(line.lstrip() for line in lines)
    return text.encode("utf-8")


def messages_extract(base: Path | None = None) -> list[Message]:
    """Every message the app's templates and Python mark for translation, in source order."""
    base = base or Path(settings.BASE_DIR)
    found: dict[tuple[str | None, str], Message] = {}
    for path, kind in _source_files(base):
        relative = path.relative_to(base).as_posix()
        extracted = extract(
            "python",
            io.BytesIO(_python_of(path, kind)),
            keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS,
            options={"encoding": "utf-8"},
            strip_comment_tags=True,
        )
        for lineno, text, comments, context in extracted:
            msgid, msgid_plural = (text, "") if isinstance(text, str) else (text[0], text[1])
            if not msgid:
                continue
            message = found.setdefault((context, msgid), Message(msgid, msgid_plural, context))
            message.msgid_plural = message.msgid_plural or msgid_plural
            message.locations.append((relative, str(lineno)))
            message.comments.extend(c for c in comments if c not in message.comments)
    return list(found.values())


def catalogue_path(language: str, base: Path | None = None) -> Path:
    base = base or Path(settings.BASE_DIR)
    return base / "locale" / to_locale(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


def _nplurals(language: str) -> int:
    return int(re.match(r"nplurals=(\d+)", PLURAL_FORMS[language]).group(1))


def _metadata(language: str) -> dict[str, str]:
    return {
        "Project-Id-Version": "contactsapp",
        "Language": to_locale(language),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": PLURAL_FORMS[language],
    }


def _entry(message: Message, language: str, old: polib.POEntry | None) -> polib.POEntry:
    flags = ["python-format"] if _PYTHON_FORMAT.search(message.msgid) else []
    entry = polib.POEntry(
        msgid=message.msgid,
        msgctxt=message.msgctxt,
        comment="\n".join(message.comments),
        flags=flags,
    )
    # A location without its line number: a catalogue changes when a message does, not
    # whenever a line above it moves.
    entry.occurrences = list(dict.fromkeys((path, "") for path, _line in message.locations))
    if message.msgid_plural:
        entry.msgid_plural = message.msgid_plural
        entry.msgstr_plural = dict.fromkeys(range(_nplurals(language)), "")
    if old is not None and bool(old.msgid_plural) == bool(message.msgid_plural):
        # A translation made stays, and so do a translator's own comment and fuzzy mark.
        entry.tcomment = old.tcomment
        if "fuzzy" in old.flags:
            entry.flags.append("fuzzy")
        if message.msgid_plural:
            for index in entry.msgstr_plural:
                entry.msgstr_plural[index] = old.msgstr_plural.get(index, "")
        else:
            entry.msgstr = old.msgstr
    if language == SOURCE_LANGUAGE:
        # English is the source: its catalogue says the message itself, so a gap in it is a
        # gap in another language only.
        if message.msgid_plural:
            entry.msgstr_plural[0] = entry.msgstr_plural[0] or message.msgid
            entry.msgstr_plural[1] = entry.msgstr_plural[1] or message.msgid_plural
        else:
            entry.msgstr = entry.msgstr or message.msgid
    return entry


def catalogue_build(
    language: str, messages: list[Message], existing: polib.POFile | None
) -> polib.POFile:
    """The catalogue of `language` for `messages`, with the translations `existing` holds."""
    old = {(e.msgctxt, e.msgid): e for e in existing or [] if not e.obsolete}
    catalogue = polib.POFile(wrapwidth=100)
    catalogue.metadata = _metadata(language)
    for message in messages:
        catalogue.append(_entry(message, language, old.get(message.key)))
    return catalogue


def catalogue_extract(base: Path | None = None) -> list[Path]:
    """Write (or merge into) each language's `.po`; return the paths written."""
    messages = messages_extract(base)
    written = []
    for language, _name in settings.LANGUAGES:
        path = catalogue_path(language, base)
        existing = polib.pofile(str(path)) if path.exists() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue_build(language, messages, existing).save(str(path))
        written.append(path)
    return written


def mo_bytes(po_path: Path) -> bytes:
    """What the `.mo` of a `.po` holds (fuzzy and untranslated entries are left out)."""
    return polib.pofile(str(po_path)).to_binary()


def catalogue_compile(base: Path | None = None) -> list[Path]:
    """Write each language's `.mo` beside its `.po`; return the paths written."""
    written = []
    for language, _name in settings.LANGUAGES:
        po_path = catalogue_path(language, base)
        if po_path.exists():
            mo_path = po_path.with_suffix(".mo")
            mo_path.write_bytes(mo_bytes(po_path))
            written.append(mo_path)
    return written
