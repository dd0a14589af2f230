"""Every page a member meets, in each shipped language: no English of ours left on it, and
`lang`/`dir` right; the plural forms of a count on the home page at 0, 1, 2, 3, 11 and 100.

"English of ours" is every phrase of the English catalogue that the language translates
differently: a page that still shows one has a message the template or view does not pass
through the translation. Pages come from the real journey: sign-in through the sandbox, two
exports of the sandbox's `changing` member (so the changes show), then each page a member
can open from there.
"""

from __future__ import annotations

import html
import re
import uuid
from html.parser import HTMLParser

import polib
import pytest
from django.conf import settings
from django.test import Client

from languages.catalogues import catalogue_path
from tests.exports.factories import contact, export_failed, export_ingested, member
from tests.fixtures_app import in_language, ready_export, signed_in
from tests.languages.plurals import COUNTS, EXPECTED_PLURALS

TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]|%%|\{[A-Za-z_]\w*\}")
TAG = re.compile(r"<[^>]+>")
# Text people read that sits in attributes.
READ_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    return " ".join("".join(parser.parts).split())


def _phrases(text: str) -> list[str]:
    """The phrases of a message as a page shows them: tags and placeholders cut out."""
    text = html.unescape(TAG.sub("", text))
    pieces = (" ".join(piece.split()) for piece in PLACEHOLDER.split(text))
    # Two words at least: a lone word ("Company", "CSV") may rightly be the same in the
    # language, or be a contact's data.
    return [piece.strip(" .,:;·()") for piece in pieces if " " in piece.strip(" .,:;·()")]


def english_left_behind(language: str) -> set[str]:
    """Every English phrase that `language`'s catalogue translates into something else."""
    phrases = set()
    for entry in polib.pofile(str(catalogue_path(language))):
        if entry.msgid_plural:
            forms = list(entry.msgstr_plural.values())
            english = [entry.msgid, entry.msgid_plural]
        else:
            forms, english = [entry.msgstr], [entry.msgid]
        translated = " ".join(forms)
        for message in english:
            if message in forms:
                continue
            phrases.update(p for p in _phrases(message) if p not in translated)
    return phrases


@pytest.fixture(scope="module")
def left_behind() -> dict[str, set[str]]:
    return {language: english_left_behind(language) for language in TRANSLATED}


def pages_of_a_member(client: Client, owner) -> dict[str, str]:
    """Each page of a member with two exports (changes between them), a failed one, a
    404 and the confirmations, as the member's browser gets them."""
    first = ready_export(client)
    second = ready_export(client)
    assert second.comparison.has_changes
    failed = export_failed(owner, failure_code="linkedin_failed", failure_params={})
    urls = {
        "home": "/",
        "export with its changes": f"/exports/{second.public_id}/",
        "export sorted by name": f"/exports/{second.public_id}/?sort=name",
        "a search with no match": f"/exports/{second.public_id}/?q=zzzzqqq",
        "duplicates": f"/exports/{second.public_id}/duplicates/",
        "failed export": f"/exports/{failed.public_id}/",
        "delete an export?": f"/exports/{first.public_id}/delete/",
        "delete all my data?": "/my-data/delete/",
        "connect a phone or app": "/devices/",
        "e-mail settings": "/mail/settings/",
        "company and position": f"/exports/{second.public_id}/company-and-position/",
        "not found": f"/exports/{uuid.uuid4()}/",
    }
    pages = {}
    for label, url in urls.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (label, response.status_code)
        pages[label] = response.content.decode()
    return pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_is_in_the_language_with_no_english_of_ours_left(
    linkedin, settings, language, left_behind
):
    settings.EXPORT_MIN_SPACING = 0
    client = signed_in(linkedin, "changing")
    # The sign-in's flash is worded at sign-in, in the language the member had then.
    assert client.get("/").status_code == 200
    in_language(client, language)
    findings = {}
    for label, page in pages_of_a_member(client, _signed_in_user(client)).items():
        direction = "rtl" if language == "ar" else "ltr"
        assert f'<html lang="{language}" dir="{direction}">' in page, label
        text = visible_text(page)
        english = sorted(phrase for phrase in left_behind[language] if phrase in text)
        if english:
            findings[label] = english
    assert findings == {}, f"English left on {language} pages: {findings}"


def _signed_in_user(client: Client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def _plural_entry(language: str, msgid: str) -> polib.POEntry:
    catalogue = polib.pofile(str(catalogue_path(language)))
    entry = catalogue.find(msgid)
    assert entry is not None and entry.msgid_plural, msgid
    return entry


HOME_COUNT = "<strong>%(shown)s</strong> contact · available until %(until)s"
HOME_NONE = "LinkedIn has no contacts for you · available until %(until)s"


@pytest.mark.django_db
@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_home_pages_count_takes_the_languages_plural_form(language):
    forms, expected = EXPECTED_PLURALS[language]
    entry = _plural_entry(language, HOME_COUNT)
    # Django's blocktranslate with a count gives the plural form of the count.
    assert len(entry.msgstr_plural) == forms
    for count, form in zip(COUNTS, expected, strict=True):
        owner = member()
        people = [contact(name=f"Person {n}", email=f"p{n}@example.com") for n in range(count)]
        export_ingested(owner, people)
        client = Client()
        client.force_login(owner)
        in_language(client, language)
        page = client.get("/").content.decode()
        # The number is the language's own (no separator below 1,000); the date is the
        # local-time filter's, tested on its own: the words around both are the form's.
        if count:
            wanted = entry.msgstr_plural[form].replace("%(shown)s", str(count))
        else:  # an empty book has a sentence of its own
            wanted = polib.pofile(str(catalogue_path(language))).find(HOME_NONE).msgstr
        for piece in wanted.split("%(until)s"):
            if piece.strip():
                assert piece.strip() in page, (language, count, form, piece)
