"""What each DAV address is and which properties it has, as the multistatus writes them.

Five kinds of resource, all of one member (the one the device password names): the DAV
root, the member's principal, the address book home, the one address book ("LinkedIn")
and its cards. Each kind maps a property name to a function giving its value as XML; a
name missing from the map is a property the resource does not have (a 404 propstat).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from carddav import cards
from carddav.davxml import CALENDARSERVER, CARDDAV, DAV, Name, Propfind
from carddav.multistatus import element, href, response, text

DISPLAY_NAME = "LinkedIn"
DESCRIPTION = "Your LinkedIn address book, kept in sync. Read-only: edits stay on this device."
# A sync token is a URI (RFC 6578 6.2): this names the export the client has seen, and
# which version of its cards (`cards.SyncVersion`).
SYNC_TOKEN_PREFIX = "urn:x-contactsapp:sync:"
REPORTS = (
    (CARDDAV, "addressbook-multiget"),
    (CARDDAV, "addressbook-query"),
    (DAV, "sync-collection"),
)
READ_PRIVILEGES = ((DAV, "read"), (DAV, "read-current-user-privilege-set"))


@dataclass(frozen=True)
class Paths:
    root: str
    principal: str
    home: str
    collection: str

    def card(self, uid: str) -> str:
        return f"{self.collection}{uid}.vcf"

    def uid_of(self, path: str) -> str | None:
        """Return the UID a card's path names, None for any other path."""
        name = path.removeprefix(self.collection)
        if name == path or not name.endswith(".vcf") or "/" in name:
            return None
        return name.removesuffix(".vcf") or None


def paths() -> Paths:
    return Paths(
        root=reverse("carddav:root"),
        principal=reverse("carddav:principal"),
        home=reverse("carddav:home"),
        collection=reverse("carddav:collection"),
    )


@dataclass(frozen=True)
class Context:
    user: AbstractBaseUser
    paths: Paths
    book: cards.Book | None = None


def sync_token(version: cards.SyncVersion) -> str:
    """The token of a version of a book: its export, then `.<revision>` after the first."""
    revision = f".{version.revision}" if version.revision else ""
    return f"{SYNC_TOKEN_PREFIX}{version.export}{revision}"


def token_of(value: str) -> cards.SyncVersion | None:
    """Return the version of a book a sync token names; None for a token not of ours."""
    if not value.startswith(SYNC_TOKEN_PREFIX):
        return None
    export, dot, revision = value.removeprefix(SYNC_TOKEN_PREFIX).partition(".")
    if dot and not (revision.isascii() and revision.isdigit() and revision[0] != "0"):
        return None
    try:
        return cards.SyncVersion(UUID(export), int(revision) if dot else 0)
    except ValueError:
        return None


Property = Callable[[Context], str]


def _privileges(_: Context) -> str:
    return "".join(element((DAV, "privilege"), element(privilege)) for privilege in READ_PRIVILEGES)


def _principal_href(context: Context) -> str:
    return href(context.paths.principal)


def _display_name(context: Context) -> str:
    user = context.user
    return text(user.get_full_name() or user.get_username())


COMMON: dict[Name, Property] = {
    (DAV, "current-user-principal"): _principal_href,
    (DAV, "current-user-privilege-set"): _privileges,
    (DAV, "owner"): _principal_href,
}

ROOT: dict[Name, Property] = {
    **COMMON,
    (DAV, "resourcetype"): lambda _: element((DAV, "collection")),
    (DAV, "displayname"): lambda _: text("Address Book for LinkedIn"),
    (DAV, "principal-collection-set"): lambda context: href(context.paths.root),
}

PRINCIPAL: dict[Name, Property] = {
    **COMMON,
    (DAV, "resourcetype"): lambda _: element((DAV, "principal")),
    (DAV, "displayname"): _display_name,
    (DAV, "principal-URL"): _principal_href,
    (DAV, "principal-collection-set"): lambda context: href(context.paths.root),
    (CARDDAV, "addressbook-home-set"): lambda context: href(context.paths.home),
    (CALENDARSERVER, "email-address-set"): lambda context: (
        element((CALENDARSERVER, "email-address"), text(context.user.email))
        if context.user.email
        else ""
    ),
}

HOME: dict[Name, Property] = {
    **COMMON,
    (DAV, "resourcetype"): lambda _: element((DAV, "collection")),
    (DAV, "displayname"): lambda _: text("Address books"),
}


def _book_token(context: Context) -> str:
    assert context.book is not None
    return text(sync_token(context.book.token))


COLLECTION: dict[Name, Property] = {
    **COMMON,
    (DAV, "resourcetype"): lambda _: (
        element((DAV, "collection")) + element((CARDDAV, "addressbook"))
    ),
    (DAV, "displayname"): lambda _: text(DISPLAY_NAME),
    (CARDDAV, "addressbook-description"): lambda _: text(DESCRIPTION),
    (DAV, "supported-report-set"): lambda _: "".join(
        element((DAV, "supported-report"), element((DAV, "report"), element(report)))
        for report in REPORTS
    ),
    (CARDDAV, "supported-address-data"): lambda _: (
        f'<card:address-data-type content-type="text/vcard" version="{cards.VCARD_VERSION}"/>'
    ),
    (CARDDAV, "max-resource-size"): lambda _: "102400",
    # Both change exactly when the served export does.
    (CALENDARSERVER, "getctag"): _book_token,
    (DAV, "sync-token"): _book_token,
}
# What the collection has only while it serves a book.
NEEDS_BOOK = frozenset({(CALENDARSERVER, "getctag"), (DAV, "sync-token")})

# A card's properties come from the card itself (see `card_response`).
CARD_NAMES = (
    (DAV, "getetag"),
    (DAV, "getcontenttype"),
    (DAV, "resourcetype"),
    (CARDDAV, "address-data"),
)
# `allprop` leaves out what is costly or large (RFC 4918 9.1): the card's text.
CARD_ALLPROP = CARD_NAMES[:3]


def properties_response(
    path: str, properties: dict[Name, Property], context: Context, asked: Propfind
) -> str:
    """Return the `response` of a resource that is not a card."""
    available = {
        name: value
        for name, value in properties.items()
        if context.book is not None or name not in NEEDS_BOOK
    }
    if asked.names_only:
        return response(path, [(name, "") for name in available])
    if asked.all_properties:
        return response(path, [(name, value(context)) for name, value in available.items()])
    found = [(name, available[name](context)) for name in asked.names if name in available]
    return response(path, found, [name for name in asked.names if name not in available])


def asks_for_text(asked: Propfind) -> bool:
    return (CARDDAV, "address-data") in asked.names


def card_response(path: str, card: cards.CardRef | cards.CardText, asked: Propfind) -> str:
    """Return the `response` of one card, with its text when asked and at hand."""
    values: dict[Name, str] = {
        (DAV, "getetag"): text(f'"{card.etag}"'),
        (DAV, "getcontenttype"): text(cards.CONTENT_TYPE),
        (DAV, "resourcetype"): "",
    }
    if isinstance(card, cards.CardText):
        values[(CARDDAV, "address-data")] = _card_text(card.text)
    if asked.names_only:
        return response(path, [(name, "") for name in CARD_NAMES])
    if asked.all_properties:
        return response(path, [(name, values[name]) for name in CARD_ALLPROP])
    found = [(name, values[name]) for name in asked.names if name in values]
    return response(path, found, [name for name in asked.names if name not in values])


# Stand-ins for a card's path, ETag and text while a response template is made: no XML
# name or text holds a control character, and `escape` leaves them as they are.
_PATH, _ETAG, _TEXT = "\x01path\x01", "\x01etag\x01", "\x01text\x01"
CardRenderer = Callable[[str, cards.CardRef | cards.CardText], str]


def card_renderer(asked: Propfind) -> CardRenderer:
    """Return a function writing `card_response(path, card, asked)` for the cards of one
    request: the response is written once per kind of card with stand-ins, and each card
    fills in its own path, ETag and text. A listing of a whole book spends its time here,
    so each card costs one `str.format` instead of building every element again.
    """
    templates: dict[type, str] = {}

    def render(path: str, card: cards.CardRef | cards.CardText) -> str:
        kind = type(card)
        template = templates.get(kind)
        if template is None:
            template = templates[kind] = _card_template(kind, asked)
        if kind is cards.CardText:
            return template.format(text(path), text(card.etag), _card_text(card.text))
        return template.format(text(path), text(card.etag))

    return render


def _card_template(kind: type, asked: Propfind) -> str:
    stand_in = (
        cards.CardText(_PATH, _ETAG, _TEXT)
        if kind is cards.CardText
        else cards.CardRef(_PATH, _ETAG)
    )
    written = card_response(_PATH, stand_in, asked).replace("{", "{{").replace("}", "}}")
    return written.replace(_PATH, "{0}").replace(_ETAG, "{1}").replace(_TEXT, "{2}")


def _card_text(value: str) -> str:
    # Carriage returns as references: a parser keeps them, so the client gets the card's
    # exact bytes, which its ETag is the hash of.
    return text(value).replace("\r", "&#13;")
