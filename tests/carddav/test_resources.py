"""A card's `response` as a listing writes it (`card_renderer`, a template filled per card)
is the one `card_response` writes, for every kind of PROPFIND and every awkward value.
"""

from __future__ import annotations

import pytest

from carddav import davxml, resources
from carddav.books import CardRef, CardText

PROPFINDS = [
    "",  # no body: allprop
    '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>',
    '<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>',
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>',
    '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav" xmlns:x="urn:x:odd">'
    "<d:prop><d:getetag/><c:address-data/><x:unknown/><d:displayname/></d:prop></d:propfind>",
]
CARDS = [
    CardRef("uid-1", "0123abcd"),
    CardText("uid-2", "ffee", "BEGIN:VCARD\r\nFN:Ada & <Bob> {x} 李\r\nEND:VCARD\r\n"),
    CardText("odd&<uid>{0}", "a{1}b", "NOTE:{2} \x01text\x01 }{\r\n"),
]


@pytest.mark.parametrize("body", PROPFINDS)
def test_the_renderer_writes_what_card_response_writes(body):
    asked = davxml.propfind(davxml.parse(body.encode()))
    render = resources.card_renderer(asked)
    for card in CARDS * 2:  # the second time from the template already made
        path = f"/dav/addressbooks/linkedin/{card.uid}.vcf"
        assert render(path, card) == resources.card_response(path, card, asked)
