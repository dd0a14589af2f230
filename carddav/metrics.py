"""What an operator (and a test) can see of CardDAV: how many cards went out with their text."""

from __future__ import annotations

from prometheus_client import Counter

CARDS_SENT = Counter(
    "contactsapp_carddav_cards_sent",
    "Cards sent with their text over CardDAV, by request (get, propfind, multiget, query, sync).",
    ["request"],
)
