"""Apple configuration profiles (`.mobileconfig`) that add the CardDAV account in one tap."""

from __future__ import annotations

import plistlib
import uuid
from typing import NamedTuple
from urllib.parse import urlsplit

PROFILE_CONTENT_TYPE = "application/x-apple-aspen-config"


class DavServer(NamedTuple):
    host: str
    port: int
    use_ssl: bool
    path: str

    @classmethod
    def from_url(cls, url: str) -> DavServer:
        parts = urlsplit(url)
        use_ssl = parts.scheme == "https"
        return cls(
            host=parts.hostname or "",
            port=parts.port or (443 if use_ssl else 80),
            use_ssl=use_ssl,
            path=parts.path or "/",
        )


def carddav_profile(
    *, server: DavServer, principal_path: str, username: str, password: str, product_name: str
) -> bytes:
    """Return an unsigned configuration profile holding one read-only CardDAV account."""
    # Identifiers are reverse-DNS by Apple's convention; the host makes them the site's own.
    identifier = ".".join(reversed(server.host.split("."))) + ".addressbook"
    account = {
        "PayloadType": "com.apple.carddav.account",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.carddav.{username}",
        "PayloadUUID": str(uuid.uuid4()).upper(),
        "PayloadDisplayName": "LinkedIn contacts",
        "PayloadDescription": "Your LinkedIn address book, kept up to date (read-only).",
        "CardDAVAccountDescription": f"LinkedIn ({product_name})",
        "CardDAVHostName": server.host,
        "CardDAVPort": server.port,
        "CardDAVPrincipalURL": principal_path,
        "CardDAVUseSSL": server.use_ssl,
        "CardDAVUsername": username,
        "CardDAVPassword": password,
    }
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.profile.{username}",
        "PayloadUUID": str(uuid.uuid4()).upper(),
        "PayloadDisplayName": f"{product_name}: contacts",
        "PayloadDescription": (
            "Adds your LinkedIn address book to Contacts. It is read-only: edits made on "
            "this device stay on this device."
        ),
        "PayloadOrganization": product_name,
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [account],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML)
