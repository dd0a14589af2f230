"""QR codes for phones, rendered on the server as SVG."""

from __future__ import annotations

from urllib.parse import quote

import segno

from devices.profiles import DavServer


def account_uri(*, server: DavServer, username: str, password: str) -> str:
    """Return the account as a `carddavs://user:password@host/path` URI.

    DAVx5 on Android opens these (a phone's camera hands the scanned URI to it); any other
    scanner shows the address, user name and password to copy.
    """
    scheme = "carddavs" if server.use_ssl else "carddav"
    default_port = 443 if server.use_ssl else 80
    host = f"[{server.host}]" if ":" in server.host else server.host
    port = "" if server.port == default_port else f":{server.port}"
    credentials = f"{quote(username, safe='')}:{quote(password, safe='')}"
    return f"{scheme}://{credentials}@{host}{port}{server.path}"


def qr_code(text: str) -> segno.QRCode:
    return segno.make(text, error="m", micro=False)


def qr_code_data_uri(text: str) -> str:
    """Return the QR code as a `data:` SVG for an <img>: no inline markup or style (CSP).

    A viewBox and no fixed size, so the stylesheet sets how large it shows.
    """
    return qr_code(text).svg_data_uri(dark="#000", light="#fff", border=4, omitsize=True)
