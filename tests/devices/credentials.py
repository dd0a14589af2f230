"""Credentials as a device sends them, right and wrong."""

from __future__ import annotations

import base64


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def wrong_password(password: str) -> str:
    """The same password with its last character changed, so it can never match by chance."""
    last = "3" if password.endswith("2") else "2"
    return password[:-1] + last
