"""The CardDAV protocol, request by request, with raw HTTP against the live app: discovery,
listings, each report, sync tokens, refused writes, hostile bodies and other members.
"""

from __future__ import annotations

import re

import pytest
import requests
import vobject

from carddav.models import Card
from enrichment.services.storing import archive_join
from exports.models import Contact, ExportTask
from tests.carddav.dav import (
    BOOK,
    CARD_NS,
    CS_NS,
    DAV_NS,
    Dav,
    member_with_password,
    multistatus,
    sync_token_of,
)
from tests.enrichment.archives import connection, rows_of
from tests.exports.factories import contact, export_ingested, member

COLLECTION = "/dav/addressbooks/linkedin/"
PROPFIND_DISCOVERY = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"
    xmlns:cs="http://calendarserver.org/ns/" xmlns:x="urn:example:unknown">
  <d:prop>
    <d:current-user-principal/><d:principal-URL/><d:principal-collection-set/>
    <c:addressbook-home-set/><cs:email-address-set/><d:resourcetype/><d:displayname/>
    <cs:getctag/><d:sync-token/><d:supported-report-set/><d:current-user-privilege-set/>
    <c:supported-address-data/><x:favourite-colour/>
  </d:prop>
</d:propfind>"""
ETAGS = (
    """<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>"""
)


def multiget(hrefs: list[str]) -> str:
    listed = "".join(f"<d:href>{href}</d:href>" for href in hrefs)
    return (
        '<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
        f"<d:prop><d:getetag/><c:address-data/></d:prop>{listed}</c:addressbook-multiget>"
    )


def sync_collection(token: str = "") -> str:
    return (
        '<d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
        f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>"
        "<d:prop><d:getetag/><c:address-data/></d:prop></d:sync-collection>"
    )


def query(filters: str, test: str = "anyof", limit: str = "") -> str:
    return (
        '<c:addressbook-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
        f'<d:prop><d:getetag/><c:address-data/></d:prop><c:filter test="{test}">{filters}'
        f"</c:filter>{limit}</c:addressbook-query>"
    )


def text_match(prop: str, value: str, match_type: str = "contains", negate: str = "no") -> str:
    return (
        f'<c:prop-filter name="{prop}"><c:text-match collation="i;unicode-casemap" '
        f'match-type="{match_type}" negate-condition="{negate}">{value}</c:text-match>'
        "</c:prop-filter>"
    )


def card_hrefs(found: dict) -> list[str]:
    return [href for href in found if href.endswith(".vcf")]


def names_in(found: dict) -> list[str]:
    return sorted(
        vobject.readOne(entry.text(f"{CARD_NS}address-data")).fn.value
        for entry in found.values()
        if f"{CARD_NS}address-data" in entry.props
    )


# --- discovery ----------------------------------------------------------------------------


def test_the_well_known_address_sends_clients_on_to_the_dav_root(dav: Dav):
    for method in ("PROPFIND", "GET"):
        response = dav.request(method, "/.well-known/carddav")
        assert response.status_code == 301
        assert response.headers["Location"] == "/dav/"


def test_options_says_dav_and_addressbook_and_lists_only_reads(dav: Dav):
    response = requests.options(dav.base + COLLECTION, timeout=10)
    assert response.status_code == 200
    assert response.headers["DAV"] == "1, 3, addressbook"
    assert response.headers["Allow"] == "OPTIONS, GET, HEAD, PROPFIND, REPORT"


def test_discovery_from_the_root_to_the_address_book(dav: Dav):
    root = multistatus(dav.request("PROPFIND", "/dav/", PROPFIND_DISCOVERY, Depth="0"))["/dav/"]
    principal_href = root.props[f"{DAV_NS}current-user-principal"].findtext(f"{DAV_NS}href")
    assert principal_href == "/dav/principal/"
    # An unknown property is a 404 propstat, never a failed request.
    assert "{urn:example:unknown}favourite-colour" in root.missing

    found = multistatus(dav.request("PROPFIND", principal_href, PROPFIND_DISCOVERY, Depth="0"))
    principal = found[principal_href]
    home_href = principal.props[f"{CARD_NS}addressbook-home-set"].findtext(f"{DAV_NS}href")
    assert home_href == "/dav/addressbooks/"
    assert principal.props[f"{DAV_NS}principal-URL"].findtext(f"{DAV_NS}href") == principal_href
    assert principal.props[f"{DAV_NS}principal-collection-set"].findtext(f"{DAV_NS}href")
    assert principal.props[f"{DAV_NS}resourcetype"].find(f"{DAV_NS}principal") is not None
    assert f"{CS_NS}email-address-set" in principal.props

    found = multistatus(dav.request("PROPFIND", home_href, PROPFIND_DISCOVERY, Depth="1"))
    assert list(found) == [home_href, COLLECTION]
    book = found[COLLECTION]
    kinds = {child.tag for child in book.props[f"{DAV_NS}resourcetype"]}
    assert kinds == {f"{DAV_NS}collection", f"{CARD_NS}addressbook"}
    assert book.text(f"{DAV_NS}displayname") == "LinkedIn"
    task = dav.member.tasks[0]
    assert book.text(f"{DAV_NS}sync-token") == f"urn:x-contactsapp:sync:{task.public_id}"
    assert book.text(f"{CS_NS}getctag") == book.text(f"{DAV_NS}sync-token")
    reports = {
        report.tag
        for report in book.props[f"{DAV_NS}supported-report-set"].iter()
        if report.tag.endswith(("multiget", "query", "sync-collection"))
    }
    assert reports == {
        f"{CARD_NS}addressbook-multiget",
        f"{CARD_NS}addressbook-query",
        f"{DAV_NS}sync-collection",
    }
    privileges = {
        privilege.tag for privilege in book.props[f"{DAV_NS}current-user-privilege-set"].iter()
    }
    assert f"{DAV_NS}read" in privileges
    assert not privileges & {f"{DAV_NS}write", f"{DAV_NS}write-content", f"{DAV_NS}all"}
    (data_type,) = book.props[f"{CARD_NS}supported-address-data"]
    assert (data_type.get("content-type"), data_type.get("version")) == ("text/vcard", "3.0")


def test_propname_and_allprop_name_the_collections_properties(dav: Dav):
    names = '<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>'
    found = multistatus(dav.request("PROPFIND", COLLECTION, names, Depth="0"))[COLLECTION]
    assert {f"{DAV_NS}sync-token", f"{CS_NS}getctag", f"{DAV_NS}resourcetype"} <= set(found.props)
    everything = multistatus(dav.request("PROPFIND", COLLECTION, "", Depth="0"))[COLLECTION]
    assert everything.text(f"{DAV_NS}displayname") == "LinkedIn"


# --- listing and reading ------------------------------------------------------------------


def test_a_depth_one_listing_names_every_card_with_a_strong_etag(dav: Dav):
    response = dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1")
    found = multistatus(response)
    hrefs = card_hrefs(found)
    assert len(hrefs) == len(BOOK)
    assert len(set(hrefs)) == len(hrefs)
    for href in hrefs:
        etag = found[href].text(f"{DAV_NS}getetag")
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
        assert found[href].text(f"{DAV_NS}getcontenttype").startswith("text/vcard")
    # The collection itself has no ETag: a 404 propstat for it, not a failure.
    assert f"{DAV_NS}getetag" in found[COLLECTION].missing


def test_get_answers_the_card_its_etag_and_304_when_unchanged(dav: Dav):
    found = multistatus(dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1"))
    for href in card_hrefs(found):
        response = dav.request("GET", href)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/vcard; charset=utf-8"
        assert response.headers["ETag"] == found[href].text(f"{DAV_NS}getetag")
        card = vobject.readOne(response.text)
        assert f"{card.uid.value}.vcf" == href.rsplit("/", 1)[1]
        again = dav.request("GET", href, **{"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    names = sorted(
        vobject.readOne(dav.request("GET", href).text).fn.value for href in card_hrefs(found)
    )
    assert names[0] == "Ada Lovelace"
    head = dav.request("HEAD", card_hrefs(found)[0])
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == found[card_hrefs(found)[0]].text(f"{DAV_NS}getetag")


def test_the_cards_hold_the_stored_names_emails_and_phones(dav: Dav):
    body = (
        '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
        "<d:prop><d:getetag/><c:address-data/></d:prop></d:propfind>"
    )
    found = multistatus(dav.request("PROPFIND", COLLECTION, body, Depth="1"))
    cards = [
        vobject.readOne(found[href].text(f"{CARD_NS}address-data")) for href in card_hrefs(found)
    ]
    stored = Contact.objects.filter(task=dav.member.tasks[0]).order_by("position")
    assert [card.fn.value for card in cards] == [c.name or c.email or c.phone for c in stored]
    assert [[e.value for e in card.contents.get("email", [])] for card in cards] == [
        [c.email] if c.email else [] for c in stored
    ]
    assert [[t.value for t in card.contents.get("tel", [])] for card in cards] == [
        [c.phone_international or c.phone] if c.phone else [] for c in stored
    ]
    # Carriage returns survive the XML: each card's text hashes to its listed ETag.
    assert all(
        found[href].text(f"{CARD_NS}address-data").count("\r\n") > 4
        for href in found
        if href.endswith(".vcf")
    )


def test_multiget_answers_the_cards_asked_for_and_404_for_others(dav: Dav):
    listed = card_hrefs(multistatus(dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1")))
    unknown = f"{COLLECTION}00000000-0000-0000-0000-000000000000.vcf"
    outside = "/dav/addressbooks/other/x.vcf"
    asked = [listed[2], f"http://example.invalid{listed[0]}", unknown, outside]
    found = multistatus(dav.request("REPORT", COLLECTION, multiget(asked)))
    assert set(found) == {listed[2], listed[0], unknown, outside}
    for href in (listed[2], listed[0]):
        card = found[href].text(f"{CARD_NS}address-data")
        assert dav.request("GET", href).text == card.replace("\n", "\r\n").replace("\r\r", "\r")
    assert " 404 " in found[unknown].status
    assert " 404 " in found[outside].status


def test_a_multiget_of_much_of_the_book_answers_the_same_in_the_books_order(dav: Dav, monkeypatch):
    listed = card_hrefs(multistatus(dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1")))
    unknown = f"http://example.invalid{COLLECTION}00000000-0000-0000-0000-000000000000.vcf"
    outside = "/dav/addressbooks/other/x.vcf"
    asked = [outside, *reversed(listed[1:]), unknown, f"http://example.invalid{listed[0]}"]
    by_href = multistatus(dav.request("REPORT", COLLECTION, multiget(asked)))
    monkeypatch.setattr("carddav.cards.BATCH", 2)  # the walk, from more than 2 hrefs
    response = dav.request("REPORT", COLLECTION, multiget(asked))
    walked = multistatus(response)

    def texts(found: dict) -> dict:
        return {href: (e.status, {n: e.text(n) for n in e.props}) for href, e in found.items()}

    assert texts(walked) == texts(by_href) and set(walked) == {*listed, unknown, outside}
    assert " 404 " in walked[unknown].status and " 404 " in walked[outside].status
    hrefs = re.findall(r"<d:href>([^<]+)</d:href>", response.text)
    assert hrefs[: len(listed)] == listed  # the cards in the book's order


def test_addressbook_query_filters_by_text(dav: Dav):
    def names(body: str) -> list[str]:
        return names_in(multistatus(dav.request("REPORT", COLLECTION, body, Depth="1")))

    assert names(query(text_match("FN", "lovelace"))) == ["Ada Lovelace"]
    assert names(query(text_match("EMAIL", "bob@", "starts-with"))) == ["Bob Smith"]
    assert names(query(text_match("TEL", "0123", "ends-with"))) == ["Dan Brown"]
    assert names(query(text_match("FN", "Name Only", "equals"))) == ["Name Only", "Name Only"]
    either = text_match("FN", "carol") + text_match("EMAIL", "ada@example.com", "equals")
    assert names(query(either)) == ["Ada Lovelace", "Carol Jones"]
    both = text_match("FN", "a") + text_match("EMAIL", "example.com")
    assert names(query(both, test="allof")) == ["Ada Lovelace", "Carol Jones"]
    assert len(names(query(text_match("FN", "zzz", negate="yes")))) == len(BOOK)
    limit = "<c:limit><c:nresults>2</c:nresults></c:limit>"
    assert len(names(query(text_match("FN", "", "contains"), limit=limit))) == 2


def test_an_unsupported_filter_is_refused_with_supported_filter(dav: Dav):
    body = query('<c:prop-filter name="BDAY"><c:is-not-defined/></c:prop-filter>')
    response = dav.request("REPORT", COLLECTION, body)
    assert response.status_code == 403
    assert "supported-filter" in response.text


def test_an_unknown_report_is_refused_with_supported_report(dav: Dav):
    body = '<d:expand-property xmlns:d="DAV:"/>'
    response = dav.request("REPORT", COLLECTION, body)
    assert response.status_code == 403
    assert "supported-report" in response.text


# --- sync-collection ----------------------------------------------------------------------


def test_sync_collection_from_nothing_lists_everything_with_the_books_token(dav: Dav):
    response = dav.request("REPORT", COLLECTION, sync_collection())
    found = multistatus(response)
    assert len(card_hrefs(found)) == len(BOOK)
    assert sync_token_of(response) == f"urn:x-contactsapp:sync:{dav.member.tasks[0].public_id}"
    again = dav.request("REPORT", COLLECTION, sync_collection(sync_token_of(response)))
    assert multistatus(again) == {}
    assert sync_token_of(again) == sync_token_of(response)


def test_sync_collection_from_the_previous_export_answers_only_its_changes(dav: Dav):
    first = multistatus(dav.request("REPORT", COLLECTION, sync_collection()))
    token = sync_token_of(dav.request("REPORT", COLLECTION, sync_collection()))
    _, bob, _, dan, name_only, _, emile = BOOK
    after = [
        contact("Ada Lovelace", "ada@example.com", "+1 415 555 0199"),  # a new phone
        bob,
        contact("Carol Jones-Smith", "carol@example.com"),  # a new name
        dan,
        name_only,
        emile,
        contact("Zoe New", "zoe@example.com"),  # new
    ]  # a "Name Only" is gone
    second = export_ingested(dav.member.user, after)
    response = dav.request("REPORT", COLLECTION, sync_collection(token))
    found = multistatus(response)
    assert sync_token_of(response) == f"urn:x-contactsapp:sync:{second.public_id}"
    sent = {href: entry for href, entry in found.items() if entry.props}
    removed = [href for href, entry in found.items() if " 404 " in entry.status]
    assert names_in(sent) == ["Ada Lovelace", "Carol Jones-Smith", "Zoe New"]
    assert len(removed) == 1 and removed[0] in first
    # Ada and Carol keep their hrefs (their e-mail is their key); their ETags changed.
    for href, entry in sent.items():
        if href in first:
            assert entry.text(f"{DAV_NS}getetag") != first[href].text(f"{DAV_NS}getetag")
    assert len([href for href in sent if href in first]) == 2


def test_a_data_archive_joined_to_the_served_book_is_a_sync_of_the_cards_it_changed(dav: Dav):
    before = multistatus(dav.request("REPORT", COLLECTION, sync_collection()))
    token = sync_token_of(dav.request("REPORT", COLLECTION, sync_collection()))
    task = dav.member.tasks[0]
    ada = connection(
        "Ada", "Lovelace", email="ada@example.com", company="Analytical Engines",
        title="Countess", url="https://www.linkedin.com/in/ada", on="10 Dec 2025",
    )  # fmt: skip
    archive_join(
        task=task,
        rows=rows_of(ada, connection("Bob", "Smith", email="bob@example.com", company="Acme")),
        file_kind="csv",
    )
    response = dav.request("REPORT", COLLECTION, sync_collection(token))
    found = multistatus(response)
    # Exactly the two joined cards, at their hrefs, with new ETags; nothing removed.
    assert names_in(found) == ["Ada Lovelace", "Bob Smith"] and set(found) <= set(before)
    for href, entry in found.items():
        assert entry.text(f"{DAV_NS}getetag") != before[href].text(f"{DAV_NS}getetag")
    parsed = {
        card.fn.value: card
        for card in (vobject.readOne(e.text(f"{CARD_NS}address-data")) for e in found.values())
    }
    card = parsed["Ada Lovelace"]
    assert card.org.value == ["Analytical Engines"] and card.title.value == "Countess"
    assert card.url.value == "https://www.linkedin.com/in/ada"
    assert card.note.value == "Connected on LinkedIn on 10 Dec 2025"
    joined = sync_token_of(response)
    assert joined == f"urn:x-contactsapp:sync:{task.public_id}.1"
    # The listing and a GET agree with the sync; from the new token nothing is left.
    listed = multistatus(dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1"))
    for href, entry in found.items():
        assert listed[href].text(f"{DAV_NS}getetag") == entry.text(f"{DAV_NS}getetag")
        got = dav.request("GET", href)
        assert got.content.decode() == entry.text(f"{CARD_NS}address-data")
        assert got.headers["ETag"] == entry.text(f"{DAV_NS}getetag")
    assert multistatus(dav.request("REPORT", COLLECTION, sync_collection(joined))) == {}

    # A newer archive: Bob's company changed; Ada's card is as it was.
    archive_join(
        task=task,
        rows=rows_of(ada, connection("Bob", "Smith", email="bob@example.com", company="Initech")),
        file_kind="csv",
    )
    response = dav.request("REPORT", COLLECTION, sync_collection(joined))
    (bob,) = multistatus(response).values()
    assert vobject.readOne(bob.text(f"{CARD_NS}address-data")).org.value == ["Initech"]
    assert sync_token_of(response) == f"urn:x-contactsapp:sync:{task.public_id}.2"
    # Two versions back: no longer known, so the client lists the book again.
    refused = dav.request("REPORT", COLLECTION, sync_collection(token))
    assert refused.status_code == 403 and "valid-sync-token" in refused.text


def test_the_next_export_after_a_join_is_a_sync_from_the_joined_cards(dav: Dav):
    task = dav.member.tasks[0]
    dav.request("REPORT", COLLECTION, sync_collection())  # its cards before the join
    archive_join(
        task=task,
        rows=rows_of(connection("Ada", "Lovelace", email="ada@example.com", company="Acme")),
        file_kind="csv",
    )
    token = sync_token_of(dav.request("REPORT", COLLECTION, sync_collection()))
    assert token.endswith(".1")
    export_ingested(dav.member.user, BOOK)  # the same book, without the archive (yet)
    found = multistatus(dav.request("REPORT", COLLECTION, sync_collection(token)))
    (ada,) = found.values()
    assert "ORG" not in ada.text(f"{CARD_NS}address-data")


@pytest.mark.parametrize(
    "token",
    [
        "urn:x-contactsapp:sync:00000000-0000-0000-0000-000000000000",
        "urn:x-contactsapp:sync:not-a-uuid",
        "http://example.com/some-other-servers-token",
        "urn:x-contactsapp:sync:{export}.7",
        "urn:x-contactsapp:sync:{export}.01",
        "urn:x-contactsapp:sync:{export}.",
    ],
)
def test_an_unknown_sync_token_is_refused_with_valid_sync_token(dav: Dav, token):
    token = token.format(export=dav.member.tasks[0].public_id)
    response = dav.request("REPORT", COLLECTION, sync_collection(token))
    assert response.status_code == 403
    assert "<d:valid-sync-token/>" in response.text


def test_the_token_of_a_deleted_or_expired_export_is_refused(dav: Dav):
    token = sync_token_of(dav.request("REPORT", COLLECTION, sync_collection()))
    export_ingested(dav.member.user, BOOK[:3])
    first = dav.member.tasks[0]
    ExportTask.objects.filter(pk=first.pk).update(status=ExportTask.Status.EXPIRED)
    response = dav.request("REPORT", COLLECTION, sync_collection(token))
    assert response.status_code == 403
    assert "valid-sync-token" in response.text
    first.delete()
    assert dav.request("REPORT", COLLECTION, sync_collection(token)).status_code == 403


# --- refused writes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "privilege"),
    [
        ("PUT", "write-content"),
        ("DELETE", "unbind"),
        ("PROPPATCH", "write-properties"),
        ("MKCOL", "bind"),
        ("MOVE", "bind"),
        ("COPY", "bind"),
    ],
)
def test_writes_are_refused_with_need_privileges_and_change_nothing(dav: Dav, method, privilege):
    listed = card_hrefs(multistatus(dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1")))
    before = dav.request("GET", listed[0]).content
    for path in (listed[0], COLLECTION, f"{COLLECTION}new.vcf", "/dav/addressbooks/x/"):
        response = dav.request(
            method,
            path,
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mallory\r\nEND:VCARD\r\n",
            Destination=dav.base + f"{COLLECTION}moved.vcf",
        )
        assert response.status_code == 403, (method, path)
        assert "<d:need-privileges>" in response.text
        assert f"<d:{privilege}/>" in response.text
    assert dav.request("GET", listed[0]).content == before
    assert Contact.objects.filter(task=dav.member.tasks[0]).count() == len(BOOK)
    after = card_hrefs(multistatus(dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1")))
    assert after == listed


# --- hostile bodies -----------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&lol3;</d:displayname></d:prop></d:propfind>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&secret;</d:displayname></d:prop></d:propfind>"""


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("PROPFIND", "<d:propfind xmlns:d='DAV:'><d:prop>"),
        ("PROPFIND", "not xml at all"),
        ("PROPFIND", "<d:multistatus xmlns:d='DAV:'/>"),
        ("PROPFIND", BILLION_LAUGHS),
        ("PROPFIND", EXTERNAL_ENTITY),
        ("REPORT", BILLION_LAUGHS.replace("d:propfind", "d:sync-collection")),
        ("REPORT", "<c:addressbook-multiget xmlns:c='urn:ietf:params:xml:ns:carddav'><d:href"),
        ("REPORT", ""),
        ("REPORT", sync_collection().replace("<d:sync-level>1", "<d:sync-level>7")),
        ("REPORT", query(text_match("FN", "a")).replace("</c:addressbook-query>", "")),
    ],
)
def test_bad_xml_is_a_400_never_a_500(dav: Dav, method, body):
    for path in ("/dav/", COLLECTION):
        if method == "REPORT" and path == "/dav/":
            continue
        response = dav.request(method, path, body, Depth="1")
        assert response.status_code == 400, (path, response.status_code, response.text[:300])
        assert "root:" not in response.text


def test_a_huge_body_is_refused_before_it_is_read(dav: Dav):
    huge = "<d:propfind xmlns:d='DAV:'>" + " " * (33 * 1024 * 1024) + "</d:propfind>"
    response = dav.request("PROPFIND", COLLECTION, huge, Depth="0")
    assert response.status_code == 400
    assert "too large" in response.text


# --- who may read what --------------------------------------------------------------------


def test_without_credentials_every_dav_address_asks_for_them(dav: Dav):
    for method, path in [
        ("PROPFIND", "/dav/"),
        ("PROPFIND", COLLECTION),
        ("PUT", f"{COLLECTION}x.vcf"),
    ]:
        response = requests.request(method, dav.base + path, timeout=10)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="')


def test_a_wrong_password_is_refused(dav: Dav):
    response = requests.request(
        "PROPFIND", dav.base + COLLECTION, auth=(dav.member.username, "wrong"), timeout=10
    )
    assert response.status_code == 401


def test_a_web_session_opens_nothing_here(dav: Dav, client):
    client.force_login(dav.member.user)
    session = client.cookies["sessionid"].value
    response = requests.request(
        "PROPFIND", dav.base + COLLECTION, cookies={"sessionid": session}, timeout=10
    )
    assert response.status_code == 401


def test_another_members_cards_are_not_found(dav: Dav, dav_server):
    listed = card_hrefs(multistatus(dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1")))
    other = member_with_password(member())
    export_ingested(other.user, [contact("Eve Other", "eve@example.com")])
    as_other = Dav(dav_server, other)
    for href in listed:
        assert as_other.request("GET", href).status_code == 404
    found = multistatus(as_other.request("REPORT", COLLECTION, multiget(listed)))
    assert all(" 404 " in entry.status for entry in found.values())
    theirs = card_hrefs(multistatus(as_other.request("PROPFIND", COLLECTION, ETAGS, Depth="1")))
    assert len(theirs) == 1 and theirs[0] not in listed
    # Nor is another member's sync token.
    token = f"urn:x-contactsapp:sync:{dav.member.tasks[0].public_id}"
    assert as_other.request("REPORT", COLLECTION, sync_collection(token)).status_code == 403


def test_the_card_index_is_written_once_per_export(dav: Dav):
    for _ in range(2):
        dav.request("PROPFIND", COLLECTION, ETAGS, Depth="1")
    assert Card.objects.filter(task=dav.member.tasks[0]).count() == len(BOOK)
