"""Device passwords and user names as generated, hashed and checked (pure logic)."""

from __future__ import annotations

import re

from django.contrib.auth.hashers import make_password

from devices import passwords
from tests.devices.credentials import wrong_password as wrong


def test_a_generated_password_is_five_groups_of_four_unambiguous_characters():
    password = passwords.device_password_generate()
    assert re.fullmatch(r"[2-9a-hjkmnp-z]{4}(-[2-9a-hjkmnp-z]{4}){4}", password), password
    assert not set(password) & set("01ilo")


def test_generated_passwords_differ():
    assert len({passwords.device_password_generate() for _ in range(50)}) == 50


def test_the_hash_is_a_keyed_hash_in_djangos_format_without_the_password_in_it():
    password = passwords.device_password_generate()
    encoded = passwords.device_password_hash(password)
    algorithm, salt, digest = encoded.split("$")
    assert algorithm == "device_hmac_sha256"
    assert len(salt) == 16
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert password not in encoded
    assert password.replace("-", "") not in encoded
    assert passwords.HASHER.safe_summary(encoded)["algorithm"] == "device_hmac_sha256"


def test_the_hash_depends_on_the_server_key(settings):
    password = passwords.device_password_generate()
    encoded = passwords.device_password_hash(password)
    settings.SECRET_KEY = "another-server-key-entirely-" * 3
    # A copy of the table alone, without the key, checks nothing.
    assert not passwords.device_password_matches(password, encoded)


def test_a_hash_under_a_retired_key_still_matches_and_asks_for_an_upgrade(settings):
    password = passwords.device_password_generate()
    encoded = passwords.device_password_hash(password)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "the-new-server-key-after-rotation-" * 2
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert passwords.device_password_check(password, encoded) == passwords.Check(True, True)
    fresh = passwords.device_password_hash(password)
    assert passwords.device_password_check(password, fresh) == passwords.Check(True, False)


def test_a_legacy_pbkdf2_hash_still_matches_and_asks_for_an_upgrade():
    password = passwords.device_password_generate()
    legacy = make_password(
        passwords.device_password_normalize(password), hasher=passwords.LEGACY_HASHER
    )
    assert legacy.startswith("pbkdf2_sha256$1000$")
    assert passwords.device_password_check(password, legacy) == passwords.Check(True, True)
    assert passwords.device_password_check(wrong(password), legacy) == passwords.Check(False)


def test_a_hash_of_another_kind_never_matches():
    password = passwords.device_password_generate()
    normalized = passwords.device_password_normalize(password)
    for encoded in ["", "!", f"md5$salt${normalized}", f"plain${normalized}"]:
        assert passwords.device_password_check(password, encoded) == passwords.Check(False)


def test_dashes_spaces_and_capitals_do_not_count_but_every_character_does():
    password = passwords.device_password_generate()
    encoded = passwords.device_password_hash(password)
    assert passwords.device_password_matches(password, encoded)
    assert passwords.device_password_matches(password.upper().replace("-", " "), encoded)
    assert passwords.device_password_matches(password.replace("-", ""), encoded)
    assert not passwords.device_password_matches(password[:-1], encoded)
    assert not passwords.device_password_matches(password + "2", encoded)


def test_two_hashes_of_one_password_differ_by_their_salt():
    password = passwords.device_password_generate()
    assert passwords.device_password_hash(password) != passwords.device_password_hash(password)


def test_a_user_name_is_the_first_name_with_a_random_suffix():
    username = passwords.device_username_generate(first_name="Ada")
    assert re.fullmatch(r"ada-[2-9a-hjkmnp-z]{6}", username), username


def test_a_user_name_has_no_colon_and_no_non_ascii_and_stays_short():
    for first_name in ["", "Ада", "Émilie", "Jean:Paul", "Maximiliana" * 10, "李"]:
        username = passwords.device_username_generate(first_name=first_name)
        assert ":" not in username
        assert username.isascii()
        assert len(username) <= passwords.USERNAME_STEM_LENGTH + 1 + 6
        assert re.fullmatch(r"[a-z0-9-]+", username), username
    assert passwords.device_username_generate(first_name="Ада").startswith("member-")
    assert passwords.device_username_generate(first_name="Émilie").startswith("emilie-")
