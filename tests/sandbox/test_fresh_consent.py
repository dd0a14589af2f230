"""A fresh consent (OpenID Connect's `prompt=consent`) grants the Contacts permission."""

from __future__ import annotations

import requests

from tests.sandbox.conftest import CONTACTS_SCOPE


def test_a_fresh_consent_grants_contacts_to_the_member_who_had_not_granted_it(
    sandbox, sign_in, authorize_url
):
    assert CONTACTS_SCOPE not in sign_in("noperm")["scope"].split()

    page = requests.get(authorize_url(prompt="consent"), timeout=10).text
    assert "asks you to review every permission again" in page
    assert CONTACTS_SCOPE in sign_in("noperm", prompt="consent")["scope"].split()
    # Granted once, it stays granted for later sign-ins, as on LinkedIn...
    assert CONTACTS_SCOPE in sign_in("noperm")["scope"].split()
    # ...until the sandbox is reset.
    sandbox.reset()
    assert CONTACTS_SCOPE not in sign_in("noperm")["scope"].split()


def test_an_ordinary_consent_page_does_not_say_it_asks_again(sandbox, authorize_url):
    page = requests.get(authorize_url(), timeout=10).text
    assert "review every permission again" not in page


def test_a_fresh_consent_without_the_contacts_scope_grants_nothing(sandbox, sign_in):
    sign_in("noperm", prompt="consent", scope="openid profile email")
    assert CONTACTS_SCOPE not in sign_in("noperm")["scope"].split()
