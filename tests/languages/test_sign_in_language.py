"""The language LinkedIn's `locale` gives at the first sign-in
(`contactsapp/linkedin_auth/sign_in.py` reads it, `contactsapp/accounts.py` saves it),
through the sandbox's real sign-in.
"""

from __future__ import annotations

import pytest
from django.test import Client

from contactsapp.models import LinkedInAccount
from tests.fixtures_app import sign_in

pytestmark = pytest.mark.django_db


def account_of(linkedin, member: str) -> LinkedInAccount:
    return LinkedInAccount.objects.get(sub=linkedin.member(member)["sub"])


@pytest.mark.parametrize("locale_format", ["object", "string"])
@pytest.mark.parametrize(("member", "language"), [("noperm", "fr"), ("typical", "en")])
def test_the_first_sign_in_takes_linkedins_locale_as_object_or_string(
    linkedin, locale_format, member, language
):
    linkedin.set_knobs(locale_format=locale_format)
    client = Client()
    response = sign_in(client, linkedin, member)
    assert response.status_code == 302
    assert account_of(linkedin, member).language == language
    # The first page after signing in is already in it, whatever the browser asks for.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert f'<html lang="{language}" dir="ltr">' in page


def test_a_language_the_member_chose_is_not_overwritten_by_linkedins(linkedin):
    assert sign_in(Client(), linkedin, "noperm").status_code == 302
    account = account_of(linkedin, "noperm")
    account.language = "ar"
    account.save()
    client = Client()
    assert sign_in(client, linkedin, "noperm").status_code == 302
    assert account_of(linkedin, "noperm").language == "ar"
    assert '<html lang="ar" dir="rtl">' in client.get("/").content.decode()
