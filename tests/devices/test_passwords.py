"""Device passwords and user names as generated, hashed and checked (pure logic)."""

from __future__ import annotations

import re

from devices import passwords


def test_a_generated_password_is_five_groups_of_four_unambiguous_characters():
    password = passwords.device_password_generate()
    assert re.fullmatch(r"[2-9a-hjkmnp-z]{4}(-[2-9a-hjkmnp-z]{4}){4}", password), password
    assert not set(password) & set("01ilo")


def test_generated_passwords_differ():
    assert len({passwords.device_password_generate() for _ in range(50)}) == 50


def test_the_hash_is_a_django_pbkdf2_hash_without_the_password_in_it():
    password = passwords.device_password_generate()
    encoded = passwords.device_password_hash(password)
    algorithm, iterations, _salt, _digest = encoded.split("$")
    assert algorithm == "pbkdf2_sha256"
    assert int(iterations) == passwords.DevicePasswordHasher.iterations
    assert password not in encoded
    assert password.replace("-", "") not in encoded


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
