"""The Apple configuration profile and the QR code for phones (pure logic)."""

from __future__ import annotations

import io
import plistlib

import pytest
import zxingcpp
from PIL import Image

from devices.profiles import DavServer, carddav_profile
from devices.qr import account_uri, qr_code, qr_code_data_uri


def test_a_server_is_read_from_its_url():
    assert DavServer.from_url("https://contacts.example.org/dav/") == DavServer(
        host="contacts.example.org", port=443, use_ssl=True, path="/dav/"
    )
    assert DavServer.from_url("http://127.0.0.1:8000/dav/") == DavServer(
        host="127.0.0.1", port=8000, use_ssl=False, path="/dav/"
    )


def test_the_profile_is_a_plist_with_one_carddav_account():
    server = DavServer.from_url("https://contacts.example.org/dav/")
    body = carddav_profile(
        server=server,
        principal_path="/dav/principal/",
        username="ada-k7m2p9",
        password="abcd-efgh",
        product_name="Book",
    )
    profile = plistlib.loads(body)
    assert profile["PayloadType"] == "Configuration"
    assert profile["PayloadVersion"] == 1
    assert profile["PayloadIdentifier"].startswith("org.example.contacts.")
    (account,) = profile["PayloadContent"]
    assert account["PayloadType"] == "com.apple.carddav.account"
    assert account["CardDAVHostName"] == "contacts.example.org"
    assert account["CardDAVPort"] == 443
    assert account["CardDAVPrincipalURL"] == "/dav/principal/"
    assert account["CardDAVUseSSL"] is True
    assert account["CardDAVUsername"] == "ada-k7m2p9"
    assert account["CardDAVPassword"] == "abcd-efgh"
    assert account["PayloadUUID"] != profile["PayloadUUID"]
    assert account["PayloadIdentifier"] != profile["PayloadIdentifier"]


def test_a_plain_http_server_gives_a_profile_without_ssl():
    server = DavServer.from_url("http://127.0.0.1:8000/dav/")
    account = plistlib.loads(
        carddav_profile(
            server=server,
            principal_path="/dav/principal/",
            username="u",
            password="p",
            product_name="Book",
        )
    )["PayloadContent"][0]
    assert account["CardDAVUseSSL"] is False
    assert account["CardDAVPort"] == 8000


def test_the_account_uri_holds_the_server_user_name_and_password():
    server = DavServer.from_url("https://contacts.example.org/dav/")
    assert (
        account_uri(
            server=server,
            username="ada-k7m2p9",
            password="abcd-efgh",
        )
        == "carddavs://ada-k7m2p9:abcd-efgh@contacts.example.org/dav/"
    )
    local = DavServer.from_url("http://localhost:8000/dav/")
    assert (
        account_uri(server=local, username="u", password="p") == "carddav://u:p@localhost:8000/dav/"
    )


@pytest.mark.parametrize(
    "text", ["carddavs://ada-k7m2p9:abcd-efgh-jkmn-pqrs-tuvw@example.org/dav/"]
)
def test_the_qr_code_decodes_to_the_account_uri(text):
    buffer = io.BytesIO()
    qr_code(text).save(buffer, kind="png", scale=4)
    buffer.seek(0)
    decoded = [result.text for result in zxingcpp.read_barcodes(Image.open(buffer))]
    assert decoded == [text]


def test_the_qr_code_is_an_svg_data_uri_without_style():
    uri = qr_code_data_uri("carddavs://u:p@example.org/dav/")
    assert uri.startswith("data:image/svg+xml")
    assert "style" not in uri
    assert "viewBox" in uri
