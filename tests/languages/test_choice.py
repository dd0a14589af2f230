"""The pure rules of `languages/choice.py` and how LinkedIn's `locale` becomes a language."""

from __future__ import annotations

import pytest

from contactsapp.linkedin_auth.sign_in import _language
from languages.choice import language_supported, time_zone_valid


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("fr_CA", "fr"),
        ("pt_BR", "pt-br"),
        ("pt-br", "pt-br"),
        ("PT-BR", "pt-br"),
        ("pt", "pt-br"),
        ("pt-PT", "pt-br"),
        ("ja-JP", "ja"),
        ("ar-EG", "ar"),
        ("en-US", "en"),
        ("de", "de"),
        ("es-419", "es"),
        ("zh-TW", ""),
        ("sv", ""),
        ("", ""),
        ("x" * 100, ""),
        ("fr\u00e9", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_a_language_tag_is_a_supported_code_or_nothing(tag, code):
    assert language_supported(tag) == code


@pytest.mark.parametrize(
    ("locale", "code"),
    [
        ({"country": "FR", "language": "fr"}, "fr"),  # LinkedIn's object
        ({"country": "BR", "language": "pt"}, "pt-br"),
        ({"language": "ja"}, "ja"),
        ({"country": "SE", "language": "sv"}, ""),
        ({"country": "FR"}, ""),
        ({"country": 3, "language": "de"}, "de"),
        ("fr-FR", "fr"),  # OpenID Connect's string
        ("pt_BR", "pt-br"),
        ("ar", "ar"),
        ("sv-SE", ""),
        (None, ""),
        (["fr"], ""),
    ],
)
def test_linkedins_locale_as_an_object_or_a_string_gives_the_language(locale, code):
    assert _language(locale) == code


@pytest.mark.parametrize(
    "zone", ["Europe/Paris", "Asia/Tokyo", "America/Argentina/Buenos_Aires", "UTC"]
)
def test_a_real_iana_zone_is_taken(zone):
    assert time_zone_valid(zone) == zone


@pytest.mark.parametrize(
    "zone", ["", "Mars/Olympus_Mons", "../../etc/passwd", "Europe/Paris\n", "europe/paris", None]
)
def test_anything_else_is_no_zone(zone):
    assert time_zone_valid(zone) == ""
