"""The translation catalogues (`languages/catalogues.py`, `manage.py i18n_catalogues`).

The committed `.po` files must be what extraction makes from the code now, every message
translated in every language, nothing fuzzy, the placeholders and HTML tags of each message
kept, the plural forms right; and each committed `.mo` must be its `.po` compiled.
"""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from languages.catalogues import (
    catalogue_build,
    catalogue_path,
    messages_extract,
    mo_bytes,
)
from tests.languages.plurals import COUNTS, EXPECTED_PLURALS

LANGUAGES = [code for code, _name in settings.LANGUAGES]
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]|\{[A-Za-z_][A-Za-z0-9_]*\}")
TAG = re.compile(r"</?[A-Za-z][^>]*>")


def committed(language: str) -> polib.POFile:
    path = catalogue_path(language)
    assert path.exists(), f"{path.relative_to(settings.BASE_DIR)} is missing: run i18n_catalogues"
    return polib.pofile(str(path))


def entries(language: str) -> list[polib.POEntry]:
    return [entry for entry in committed(language) if not entry.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


@pytest.fixture(scope="module")
def extracted():
    return {
        message.key: message.msgid_plural for message in messages_extract(Path(settings.BASE_DIR))
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_holds_exactly_what_the_code_says_now(language, extracted):
    held = {(entry.msgctxt, entry.msgid): entry.msgid_plural for entry in entries(language)}
    missing = sorted(str(key) for key in extracted.keys() - held.keys())
    obsolete = sorted(str(key) for key in held.keys() - extracted.keys())
    assert not missing and not obsolete, (
        f"{language}: run `manage.py i18n_catalogues extract`\n"
        f"missing: {missing}\nno longer in the code: {obsolete}"
    )
    assert held == extracted  # the plural of each message too


def test_every_message_is_translated_in_every_language():
    gaps = {
        language: [entry.msgid for entry in entries(language) if not all(translations(entry))]
        for language in LANGUAGES
    }
    gaps = {language: msgids for language, msgids in gaps.items() if msgids}
    report = "\n".join(
        f"{language} ({len(msgids)} untranslated):\n" + "\n".join(f"  {m!r}" for m in msgids)
        for language, msgids in gaps.items()
    )
    assert not gaps, "untranslated messages:\n" + report


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_fuzzy(language):
    fuzzy = [entry.msgid for entry in entries(language) if "fuzzy" in entry.flags]
    assert not fuzzy, f"{language}: fuzzy: {fuzzy}"


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder_and_html_tag(language):
    wrong = []
    for entry in entries(language):
        for index, text in enumerate(translations(entry)):
            if not text:
                continue  # a gap: the completeness test names it
            source = entry.msgid_plural if entry.msgid_plural and index else entry.msgid
            found = _placeholders(text)
            if entry.msgid_plural:
                # Which English form a language's form stands for depends on the language
                # (Arabic's first is zero; Japanese's one form stands for every count): any
                # form may use what either English form has, and may say its number in
                # words ("un", "واحد"): only the count may go, and nothing unknown may come.
                expected = sorted(
                    set(_placeholders(entry.msgid) + _placeholders(entry.msgid_plural))
                )
                ok = set(found) <= set(expected) and len(set(expected) - set(found)) <= 1
            else:
                expected = _placeholders(source)
                ok = found == expected
            if not ok:
                wrong.append(f"{entry.msgid!r}: placeholders {found} instead of {expected}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(source)):
                wrong.append(f"{entry.msgid!r}: HTML tags differ in {text!r}")
    assert not wrong, f"{language}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_are_right_for_the_language(language):
    header = committed(language).metadata["Plural-Forms"]
    nplurals, expected = EXPECTED_PLURALS[language]
    assert re.match(rf"nplurals={nplurals};", header), header
    expression = re.search(r"plural=(.*?);?$", header).group(1)
    # Evaluated as gettext evaluates it (Django reads `.mo` files with Python's gettext).
    assert [gettext.c2py(expression)(n) for n in COUNTS] == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_committed_mo_is_its_po_compiled(language):
    po_path = catalogue_path(language)
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"run `manage.py i18n_catalogues compile` ({language})"
    assert mo_path.read_bytes() == mo_bytes(po_path), f"{language}: .mo is stale: compile"


# --- the tool itself, on a small project of its own -----------------------------------------

TEMPLATE = """{% load i18n %}
<h1>{% translate "Your address book" %}</h1>
{# Translators: the month's name follows #}
<p>{% translate "May" context "month" %}</p>
{% blocktranslate trimmed count counter=n with name=member %}
  {{ name }} has one contact.
{% plural %}
  {{ name }} has {{ counter }} contacts.
{% endblocktranslate %}
"""
PYTHON = """from django.utils.translation import gettext as _, gettext_lazy, ngettext, pgettext

LABEL = gettext_lazy("Download")


def words(n):
    return [_("Signed in as %(name)s.") % {"name": "x"}, pgettext("verb", "Export"),
            ngettext("%(count)s export", "%(count)s exports", n) % {"count": n}]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(TEMPLATE)
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "words.py").write_text(PYTHON)
    (tmp_path / "exports" / "migrations").mkdir()
    (tmp_path / "exports" / "migrations" / "0001.py").write_text('_("not a message")\n')
    return tmp_path


def test_extraction_reads_templates_and_python_with_plurals_and_contexts(project):
    found = {m.key: m for m in messages_extract(project)}
    assert set(found) == {
        (None, "Your address book"),
        ("month", "May"),
        (None, "%(name)s has one contact."),
        (None, "Download"),
        (None, "Signed in as %(name)s."),
        ("verb", "Export"),
        (None, "%(count)s export"),
    }
    assert found[(None, "%(name)s has one contact.")].msgid_plural == (
        "%(name)s has %(counter)s contacts."
    )
    assert found[("month", "May")].comments == ["the month's name follows"]
    assert found[(None, "Download")].locations[0][0] == "exports/words.py"


def test_a_merge_keeps_translations_drops_what_is_gone_and_marks_nothing_fuzzy(project):
    messages = messages_extract(project)
    old = polib.POFile()
    old.append(polib.POEntry(msgid="Your address book", msgstr="Votre carnet d'adresses"))
    old.append(polib.POEntry(msgid="Your address books", msgstr="Vos carnets"))  # gone, and close
    built = catalogue_build("fr", messages, old)
    by_id = {entry.msgid: entry for entry in built}
    assert by_id["Your address book"].msgstr == "Votre carnet d'adresses"
    assert "Your address books" not in by_id
    assert not [entry for entry in built if "fuzzy" in entry.flags]
    assert by_id["Download"].msgstr == ""
    assert sorted(by_id["%(count)s export"].msgstr_plural) == [0, 1]
    assert "python-format" in by_id["Signed in as %(name)s."].flags
    arabic = {entry.msgid: entry for entry in catalogue_build("ar", messages, None)}
    assert sorted(arabic["%(count)s export"].msgstr_plural) == [0, 1, 2, 3, 4, 5]
    # English is the source language: its catalogue says each message itself.
    english = {entry.msgid: entry for entry in catalogue_build("en", messages, None)}
    assert english["Download"].msgstr == "Download"
    assert english["%(count)s export"].msgstr_plural == {
        0: "%(count)s export",
        1: "%(count)s exports",
    }


def test_the_command_writes_each_po_and_its_mo(project, settings):
    settings.BASE_DIR = project
    call_command("i18n_catalogues", "extract", stdout=io.StringIO())
    call_command("i18n_catalogues", "compile", stdout=io.StringIO())
    for language in LANGUAGES:
        po_path = catalogue_path(language, project)
        assert {entry.msgid for entry in polib.pofile(str(po_path))} >= {"Your address book"}
        assert po_path.with_suffix(".mo").read_bytes() == mo_bytes(po_path)
