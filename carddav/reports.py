"""The REPORTs of the address book (RFC 6352 8, RFC 6578) and the multistatus they answer with.

addressbook-multiget, addressbook-query and sync-collection; any other report is refused
with `DAV:supported-report`. The collection's PROPFIND lists its cards the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

from carddav import cards, davxml, multistatus, queries, resources
from carddav.davxml import CARDDAV, DAV
from carddav.metrics import CARDS_SENT
from carddav.resources import Context


def multistatus_response(
    responses: Iterator[str], *, sync_token: str | None = None
) -> HttpResponseBase:
    response = StreamingHttpResponse(
        multistatus.stream(responses, sync_token=sync_token),
        status=207,
        content_type=multistatus.CONTENT_TYPE,
    )
    return response


def request_body(request: HttpRequest) -> bytes:
    length = request.META.get("CONTENT_LENGTH") or ""
    return davxml.read_body(request, int(length) if length.isdigit() else None)


def listing(book: cards.Book, asked: davxml.Propfind) -> Iterator:
    if resources.asks_for_text(asked):
        return cards.cards_with_text(book=book)
    return cards.cards_listed(book=book)


def card_responses(
    context: Context, listed: Iterator, asked: davxml.Propfind, *, request: str
) -> Iterator[str]:
    sent = 0
    render = resources.card_renderer(asked)
    card_path = context.paths.card
    try:
        for card in listed:
            if isinstance(card, cards.CardText):
                sent += 1
            yield render(card_path(card.uid), card)
    finally:
        CARDS_SENT.labels(request).inc(sent)


def report(request: HttpRequest, context: Context) -> HttpResponseBase:
    body = request_body(request)
    kind = davxml.report_name(body)
    if kind == (CARDDAV, "addressbook-multiget"):
        return _multiget(context, body)
    if kind == (CARDDAV, "addressbook-query"):
        return _query(context, davxml.parse(body))
    if kind == (DAV, "sync-collection"):
        return _sync(context, davxml.parse(body))
    return HttpResponse(
        multistatus.error((DAV, "supported-report")),
        status=403,
        content_type=multistatus.CONTENT_TYPE,
    )


def _multiget(context: Context, body: bytes) -> HttpResponseBase:
    asked, hrefs = davxml.report_hrefs(body)
    paths = context.paths
    wanted = [(href, paths.uid_of(_path_of(href))) for href in hrefs]
    if len(wanted) > cards.BATCH and len(wanted) * WALK_SHARE >= context.book.card_count:
        return multistatus_response(_multiget_walked(context, asked, wanted))

    def responses() -> Iterator[str]:
        sent = 0
        render = resources.card_renderer(asked)
        found = cards.cards_get(book=context.book, uids=(uid or "" for _, uid in wanted))
        try:
            for (href, uid), card in zip(wanted, found, strict=True):
                if uid is None or isinstance(card, str):
                    yield multistatus.status_response(href, multistatus.NOT_FOUND)
                else:
                    sent += 1
                    yield render(paths.card(uid), card)
        finally:
            CARDS_SENT.labels("multiget").inc(sent)

    return multistatus_response(responses())


# A multiget asking for at least a quarter of the book is answered by a walk of the book
# (`cards.cards_among`), in the book's order (a multistatus may list its responses in any
# order): looking up each href costs several times a walk's share of it.
WALK_SHARE = 4


def _multiget_walked(
    context: Context, asked: davxml.Propfind, wanted: list[tuple[str, str | None]]
) -> Iterator[str]:
    paths = context.paths
    # The href each unknown card was asked by, where the client did not write it as listed.
    asked_as = {uid: href for href, uid in wanted if uid is not None and href != paths.card(uid)}
    render = resources.card_renderer(asked)
    sent = 0
    try:
        for card in cards.cards_among(book=context.book, uids=(u for _, u in wanted if u)):
            if isinstance(card, str):
                yield multistatus.status_response(
                    asked_as.get(card, paths.card(card)), multistatus.NOT_FOUND
                )
            else:
                sent += 1
                yield render(paths.card(card.uid), card)
        for href, uid in wanted:
            if uid is None:
                yield multistatus.status_response(href, multistatus.NOT_FOUND)
    finally:
        CARDS_SENT.labels("multiget").inc(sent)


def _path_of(href: str) -> str:
    """Return the path an href names, whether a path or a whole URL, percent-decoded."""
    if href.startswith("/") and "%" not in href and "//" not in href:
        return href  # what clients send: the path as we listed it
    return unquote(urlsplit(href).path)


def _query(context: Context, root) -> HttpResponseBase:
    try:
        query = queries.addressbook_query(root)
    except queries.UnsupportedFilter as error:
        body = multistatus.error((CARDDAV, "supported-filter"), multistatus.text(str(error)))
        return HttpResponse(body, status=403, content_type=multistatus.CONTENT_TYPE)
    found = cards.cards_matching(
        book=context.book, matches=query.matches, all_of=query.all_of, limit=query.limit
    )
    return multistatus_response(card_responses(context, found, query.asked, request="query"))


def _sync(context: Context, root) -> HttpResponseBase:
    """REPORT sync-collection (RFC 6578): everything, or what changed since a token."""
    sync = queries.sync_collection(root)
    book = context.book
    token = resources.sync_token(book.token)
    if not sync.token:
        listed = listing(book, sync.asked)
        return multistatus_response(
            card_responses(context, listed, sync.asked, request="sync"), sync_token=token
        )
    version = resources.token_of(sync.token)
    since = cards.book_for_token(user=context.user, token=version.export) if version else None
    if since is not None and since.task == book.task and version.revision == book.revision:
        return multistatus_response(iter(()), sync_token=token)
    delta = (
        cards.cards_changed(book=book, since=since, since_revision=version.revision)
        if since is not None
        else None
    )
    if delta is None:
        return HttpResponse(
            multistatus.error((DAV, "valid-sync-token")),
            status=403,
            content_type=multistatus.CONTENT_TYPE,
        )

    def responses() -> Iterator[str]:
        yield from card_responses(context, delta.changed, sync.asked, request="sync")
        for uid in delta.removed:
            yield multistatus.status_response(context.paths.card(uid), multistatus.NOT_FOUND)

    return multistatus_response(responses(), sync_token=token)
