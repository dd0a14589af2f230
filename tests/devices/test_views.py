"""The "Connect a phone or app" pages, signed in through the live LinkedIn sandbox."""

from __future__ import annotations

import plistlib
import re

import pytest
from django.test import Client, RequestFactory

from devices import auth, services
from devices.models import DeviceLogin, DevicePassword
from devices.passwords import device_password_matches
from tests.devices.credentials import basic
from tests.fixtures_app import sign_in, wait_until

pytestmark = pytest.mark.django_db

PASSWORD = re.compile(r'data-testid="device-password">([2-9a-z-]{24})<')


def _create(client: Client, name: str = "Ada's phone") -> tuple[str, str]:
    response = client.post("/devices/passwords/", {"name": name})
    assert response.status_code == 200
    html = response.content.decode()
    match = PASSWORD.search(html)
    assert match, html[:2000]
    return match.group(1), html


def test_the_page_shows_the_server_address_and_the_user_name(member_client):
    response = member_client.get("/devices/")
    assert response.status_code == 200
    html = response.content.decode()
    username = DeviceLogin.objects.get().username
    assert "http://testserver/dav/" in html
    assert f'data-testid="device-username">{username}<' in html
    assert "Edits made on the phone stay on the phone" in html
    for client_name in ["iPhone", "Android (DAVx⁵)", "Thunderbird", "macOS"]:
        assert f"<summary>{client_name}</summary>" in html
    assert "No device passwords yet" in html


def test_over_plain_http_the_page_says_what_the_dav_endpoints_do(member_client, settings):
    settings.DEBUG = False
    assert "where phones and apps are refused" in member_client.get("/devices/").content.decode()
    settings.DEBUG = True
    assert "need SSL turned off" in member_client.get("/devices/").content.decode()
    https = member_client.get("/devices/", secure=True).content.decode()
    assert 'data-testid="plain-http-note"' not in https
    assert "https://testserver/dav/" in https


def test_signed_out_the_pages_send_to_sign_in(db):
    client = Client()
    for method, path in [("get", "/devices/"), ("post", "/devices/passwords/")]:
        response = getattr(client, method)(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/login/")
    assert not DevicePassword.objects.exists()


def test_a_new_password_is_shown_once_with_a_qr_code_and_never_again(member_client):
    password, html = _create(member_client)
    stored = DevicePassword.objects.get()
    assert stored.name == "Ada's phone"
    assert password not in stored.password
    assert device_password_matches(password, stored.password)
    assert 'data-testid="device-qr"' in html
    assert 'src="data:image/svg+xml' in html

    again = member_client.get("/devices/").content.decode()
    assert password not in again
    assert "Ada&#x27;s phone" in again
    assert "never used yet" in again


def test_the_page_with_the_password_is_never_cached(member_client):
    response = member_client.post("/devices/passwords/", {"name": "Phone"})
    assert "no-store" in response["Cache-Control"]


def test_the_list_shows_when_a_password_was_last_used(member_client):
    password, _html = _create(member_client)
    username = DeviceLogin.objects.get().username
    request = RequestFactory().get(
        "/dav/", secure=True, headers={"Authorization": basic(username, password)}
    )
    auth.device_authenticate(request)
    html = member_client.get("/devices/").content.decode()
    assert "never used yet" not in html
    assert "last used <time datetime=" in html


def test_revoking_removes_the_password_from_the_list(member_client):
    _create(member_client, "Old phone")
    device_password = DevicePassword.objects.get()
    response = member_client.post(f"/devices/passwords/{device_password.public_id}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/devices/"
    assert not DevicePassword.objects.exists()
    html = member_client.get("/devices/").content.decode()
    assert "“Old phone” is revoked" in html


def test_another_members_password_cannot_be_revoked(member_client, linkedin):
    other = Client()
    sign_in(other, linkedin, "changing")
    _create(other, "Mary's phone")
    marys = DevicePassword.objects.get()
    response = member_client.post(f"/devices/passwords/{marys.public_id}/revoke/")
    assert response.status_code == 404
    assert DevicePassword.objects.filter(pk=marys.pk).exists()
    assert "Mary" not in member_client.get("/devices/").content.decode()


def test_revoking_an_unknown_id_is_404(member_client):
    response = member_client.post("/devices/passwords/00000000-0000-4000-8000-000000000000/revoke/")
    assert response.status_code == 404


def test_revoking_by_get_is_not_allowed(member_client):
    _create(member_client)
    device_password = DevicePassword.objects.get()
    response = member_client.get(f"/devices/passwords/{device_password.public_id}/revoke/")
    assert response.status_code == 405
    assert DevicePassword.objects.exists()


def test_the_profile_download_is_a_carddav_profile_with_a_new_password(member_client):
    response = member_client.post("/devices/profile/", {"profile-name": "Ada's iPhone"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-apple-aspen-config"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".mobileconfig" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    profile = plistlib.loads(response.content)
    (account,) = profile["PayloadContent"]
    assert account["PayloadType"] == "com.apple.carddav.account"
    assert account["CardDAVHostName"] == "testserver"
    assert account["CardDAVPort"] == 80
    assert account["CardDAVUseSSL"] is False
    assert account["CardDAVPrincipalURL"] == "/dav/principal/"
    assert account["CardDAVUsername"] == DeviceLogin.objects.get().username
    stored = DevicePassword.objects.get()
    assert stored.name == "Ada's iPhone"
    assert device_password_matches(account["CardDAVPassword"], stored.password)


def test_a_profile_over_https_uses_ssl_on_443(member_client):
    response = member_client.post("/devices/profile/", {"profile-name": ""}, secure=True)
    account = plistlib.loads(response.content)["PayloadContent"][0]
    assert account["CardDAVUseSSL"] is True
    assert account["CardDAVPort"] == 443
    assert DevicePassword.objects.get().name == "iPhone or Mac"


@pytest.mark.parametrize("path", ["/devices/passwords/", "/devices/profile/"])
def test_creating_needs_the_csrf_token(linkedin, db, path):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, linkedin, "typical")
    assert client.post(path, {"name": "Phone"}).status_code == 403
    assert not DevicePassword.objects.exists()
    page = client.get("/devices/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(path, {"name": "Phone", "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert DevicePassword.objects.count() == 1


def test_revoking_needs_the_csrf_token(linkedin, db):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, linkedin, "typical")
    page = client.get("/devices/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    client.post("/devices/passwords/", {"name": "Phone", "csrfmiddlewaretoken": token})
    device_password = DevicePassword.objects.get()
    url = f"/devices/passwords/{device_password.public_id}/revoke/"
    assert client.post(url).status_code == 403
    assert DevicePassword.objects.exists()
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not DevicePassword.objects.exists()


def test_too_many_passwords_says_so_instead_of_creating_one(member_client, monkeypatch):
    monkeypatch.setattr(services, "MAX_DEVICE_PASSWORDS", 1)
    _create(member_client)
    response = member_client.post("/devices/passwords/", {"name": "Second"}, follow=True)
    assert "the most there can be" in response.content.decode()
    assert DevicePassword.objects.count() == 1


def test_a_device_password_opens_no_web_page_and_no_session(member_client):
    password, _html = _create(member_client)
    username = DeviceLogin.objects.get().username
    device = Client(headers={"Authorization": basic(username, password)})
    home = device.get("/")
    assert home.status_code == 200
    assert "Sign in with LinkedIn" in home.content.decode()  # the landing page, signed out
    for path in ["/devices/", "/my-data/delete/"]:
        response = device.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/login/")
    assert device.post("/devices/passwords/", {"name": "Sneaky"}).status_code == 302
    assert "sessionid" not in device.cookies
    assert DevicePassword.objects.count() == 1


def test_the_home_and_export_pages_link_to_connect_a_phone(member_client, linkedin):
    home = member_client.get("/").content.decode()
    assert 'data-testid="connect-device"' in home
    assert 'href="/devices/"' in home
    response = member_client.post("/exports/")
    export_url = response["Location"]

    def ready():
        page = member_client.get(export_url).content.decode()
        return page if "Your contacts are ready" in page else None

    page = wait_until(ready, message="the export did not finish")
    assert 'data-testid="connect-device"' in page
    assert 'href="/devices/"' in page
