"""Fixtures of the CardDAV tests: a live app, members with books and device passwords.

The live server (pytest-django's ``live_server``) serves the app in a thread of this
process over plain HTTP with DEBUG on, as ``make run`` does; production refuses Basic auth
without HTTPS (tested with the device passwords). Their helpers are in `tests.carddav.dav`.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from tests.carddav.dav import BOOK, Dav, Member, WebMember, member_with_password
from tests.exports.factories import export_ingested, member
from tests.fixtures_app import sign_in


@pytest.fixture
def dav_server(live_server, settings, transactional_db):
    """The live app's base URL, as a member would type it into a client."""
    settings.DEBUG = True
    return live_server.url


@pytest.fixture
def ada(dav_server) -> Member:
    """A member with one ready book of `BOOK` and a device password."""
    found = member_with_password(member())
    found.tasks.append(export_ingested(found.user, BOOK))
    return found


@pytest.fixture
def dav(dav_server, ada) -> Dav:
    return Dav(dav_server, ada)


@pytest.fixture
def changing(linkedin, dav_server) -> WebMember:
    """The sandbox's `changing` member, signed in, with one finished export."""
    client = Client()
    response = sign_in(client, linkedin, "changing")
    assert response.status_code == 302
    user = get_user_model().objects.get(pk=client.session[SESSION_KEY])
    web = WebMember(client=client, member=member_with_password(user))
    web.export()
    return web
