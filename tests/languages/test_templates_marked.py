"""Every word a template shows is inside a translation tag, so nothing new lands in English only.

The sandbox (LinkedIn's pages, English on purpose) lives outside templates/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.languages.template_scan import untranslated_text

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def test_the_scan_sees_every_template_of_the_app() -> None:
    names = {p.relative_to(TEMPLATES).as_posix() for p in _templates()}
    assert {
        "_base.html",
        "500.html",
        "exports/detail.html",
        "mail/digest.txt",
        "mail/digest_subject.txt",
        "enrichment/archive.html",
        "_language_switcher.html",
    } <= names


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_no_visible_text_outside_translation_tags(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert untranslated_text(source, html=path.suffix == ".html") == []


@pytest.mark.parametrize(
    ("source", "left"),
    [
        ('<p class="note">Hello</p>', ["Hello"]),
        ('<button aria-label="Close" type="button">✕</button>', ["Close"]),
        ('<img src="x.png" alt="A map">', ["A map"]),
        ('<input type="submit" value="Send">', ["Send"]),
        ("<p>{{ count }} contacts</p>", ["contacts"]),
        ("<p>{% if a %}Yes{% endif %}</p>", ["Yes"]),
    ],
)
def test_the_scan_finds_words_left_untranslated(source: str, left: list[str]) -> None:
    assert untranslated_text(source) == left


@pytest.mark.parametrize(
    "source",
    [
        '{% load i18n %}<p class="note">{% translate "Hello" %}</p>',
        "<a title=\"{% translate 'Sort A to Z' %}\">{{ label }} <span>▲</span></a>",
        "<p>{% blocktranslate count counter=n %}{{ counter }} contact"
        "{% plural %}{{ counter }} contacts{% endblocktranslate %}</p>",
        "<p>{% comment %}Why this is so.{% endcomment %}{# a note #}<!-- markup note --></p>",
        "<summary>iPhone</summary><strong>LinkedIn</strong> · 1. → …",
        '<input type="hidden" name="next" value="back">'
        '<button name="enabled" value="1">{% translate "On" %}</button>',
        "<script>var words = 'none';</script>",
    ],
)
def test_the_scan_passes_translated_text_names_and_symbols(source: str) -> None:
    assert untranslated_text(source) == []


def test_plain_text_templates_are_read_line_by_line() -> None:
    assert untranslated_text("{% translate 'Hi' %}\nSee: {{ url }}\n", html=False) == ["See:"]
