"""The `local_time` filters: a moment in the member's zone and language, to the second."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from contactsapp.templatetags.local_time import (
    countdown_words,
    local_date,
    local_time,
    local_time_plain,
)

MOMENT = datetime(2026, 12, 7, 17, 29, 10, 123456, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def in_zone():
    def activate(language: str, zone: str = "UTC"):
        stack = [translation.override(language), timezone.override(ZoneInfo(zone))]
        for manager in stack:
            manager.__enter__()
        opened.extend(stack)

    opened: list = []
    yield activate
    for manager in reversed(opened):
        manager.__exit__(None, None, None)


def test_english_in_utc_is_what_the_pages_always_showed(in_zone) -> None:
    in_zone("en")
    assert local_time(MOMENT) == (
        '<time datetime="2026-12-07T17:29:10.123456+00:00">7 Dec 2026, 17:29:10 UTC</time>'
    )


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        ("Europe/Paris", "7 Dec 2026, 18:29:10 CET"),
        ("Asia/Tokyo", "8 Dec 2026, 02:29:10 JST"),
        ("America/New_York", "7 Dec 2026, 12:29:10 EST"),
        ("America/Sao_Paulo", "7 Dec 2026, 14:29:10 -03"),
        ("Asia/Kolkata", "7 Dec 2026, 22:59:10 IST"),
    ],
)
def test_the_text_is_in_the_active_zone_and_names_it(in_zone, zone: str, text: str) -> None:
    in_zone("en", zone)
    assert local_time_plain(MOMENT) == text


def test_summer_time_is_named_as_such(in_zone) -> None:
    in_zone("en", "Europe/Paris")
    summer = datetime(2026, 7, 1, 12, 0, 5, tzinfo=UTC)
    assert local_time_plain(summer) == "1 Jul 2026, 14:00:05 CEST"


def test_the_machine_readable_value_stays_utc_whatever_the_zone(in_zone) -> None:
    in_zone("ja", "Asia/Tokyo")
    tokyo = MOMENT.astimezone(ZoneInfo("Asia/Tokyo"))
    assert local_time(tokyo).startswith('<time datetime="2026-12-07T17:29:10.123456+00:00">')


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "7 Dec 2026, 18:29:10 CET"),
        ("fr", "7 décembre 2026, 18:29:10 CET"),
        ("de", "7. Dezember 2026, 18:29:10 CET"),
        ("es", "7 de diciembre de 2026, 18:29:10 CET"),
        ("pt-br", "7 de Dezembro de 2026, 18:29:10 CET"),
        ("ja", "2026年12月7日 18:29:10 CET"),
        ("ar", "7 ديسمبر، 2026، 18:29:10 CET"),
    ],
)
def test_each_language_has_its_own_format_to_the_second(in_zone, language: str, text: str) -> None:
    in_zone(language, "Europe/Paris")
    assert local_time_plain(MOMENT) == text
    assert re.search(r"18:29:10", local_time(MOMENT))


def test_a_language_without_a_format_of_its_own_gets_its_locale_date_and_seconds(in_zone) -> None:
    in_zone("sv", "Europe/Stockholm")
    assert local_time_plain(MOMENT) == "7 december 2026, 18:29:10 CET"


def test_a_naive_value_is_taken_as_utc(in_zone) -> None:
    in_zone("en", "Europe/Paris")
    assert local_time_plain(datetime(2026, 12, 7, 17, 29, 10)) == "7 Dec 2026, 18:29:10 CET"


@pytest.mark.parametrize("bogus", [None, "", "yesterday", 1765128550, [MOMENT]])
def test_anything_but_a_moment_renders_nothing(in_zone, bogus: object) -> None:
    in_zone("en")
    assert local_time(bogus) == ""
    assert local_time_plain(bogus) == ""
    assert local_date(bogus) == ""


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "8 December 2026"),
        ("fr", "8 décembre 2026"),
        ("de", "8. Dezember 2026"),
        ("ja", "2026年12月8日"),
    ],
)
def test_the_day_is_the_members_own(in_zone, language: str, text: str) -> None:
    in_zone(language, "Asia/Tokyo")  # already the 8th there
    assert local_date(MOMENT) == text


def test_a_date_is_shown_as_it_is(in_zone) -> None:
    in_zone("en", "Pacific/Kiritimati")
    assert local_date(date(2026, 12, 7)) == "7 December 2026"
    assert local_time(date(2026, 12, 7)) == "7 December 2026"


def test_the_filters_load_in_a_template_and_escape_nothing_twice(in_zone) -> None:
    in_zone("en", "Europe/Paris")
    template = Template("{% load local_time %}{{ when|local_time }} / {{ when|local_date }}")
    rendered = template.render(Context({"when": MOMENT}))
    assert rendered == (
        '<time datetime="2026-12-07T17:29:10.123456+00:00">7 Dec 2026, 18:29:10 CET</time>'
        " / 7 December 2026"
    )


def test_the_countdown_words_give_each_plural_sample_with_a_place_for_the_number(in_zone) -> None:
    in_zone("en")
    words = json.loads(countdown_words())
    assert words["hour"]["1"] == "an hour"
    assert words["minute"]["1"] == "a minute"
    assert words["second"]["1"] == "{count} second"
    assert words["minute"]["11"] == "{count} minutes"
    assert set(words["second"]) == {"0", "1", "2", "3", "11", "100"}
