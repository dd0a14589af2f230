"""The read-only CardDAV address book (RFC 6352 over WebDAV, RFC 4918), one per member.

Every request carries a device password in Basic auth (`devices.auth`); a session cookie
opens nothing here, so CSRF does not apply and the views are exempt from it. Writes of any
kind are refused with 403 and `DAV:need-privileges`: nothing a client sends changes data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from urllib.parse import unquote, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt

from carddav import cards, davxml, multistatus, queries, resources
from carddav.davxml import CARDDAV, DAV, BadRequest, Name
from carddav.metrics import CARDS_SENT
from carddav.resources import Context
from devices.auth import (
    REALM,
    AuthenticationRequired,
    InsecureTransport,
    Throttled,
    device_authenticate,
)

READS = ("OPTIONS", "GET", "HEAD", "PROPFIND", "REPORT")
# Each refused write with the privilege it would need (RFC 3744 7.1.1).
WRITES: dict[str, Name] = {
    "PUT": (DAV, "write-content"),
    "DELETE": (DAV, "unbind"),
    "PROPPATCH": (DAV, "write-properties"),
    "MKCOL": (DAV, "bind"),
    "MKCALENDAR": (DAV, "bind"),
    "MOVE": (DAV, "bind"),
    "COPY": (DAV, "bind"),
    "LOCK": (DAV, "write-content"),
    "UNLOCK": (DAV, "write-content"),
    "ACL": (DAV, "write-acl"),
}
ALLOW = ", ".join(READS)
# While no book is served (none exported yet, or the last one expired): clients keep the
# cards they have and try again later, rather than mirroring an empty book.
NO_BOOK_RETRY_SECONDS = 3600

DavView = Callable[[HttpRequest, Context], HttpResponseBase]


def _dav(view: DavView) -> Callable[..., HttpResponseBase]:
    """Authenticate by device password, refuse writes, answer OPTIONS and bad bodies."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, **kwargs) -> HttpResponseBase:
        if request.method == "OPTIONS":
            return _options()
        try:
            user = device_authenticate(request)
        except InsecureTransport:
            return HttpResponse("CardDAV needs HTTPS.", status=403, content_type="text/plain")
        except AuthenticationRequired:
            response = HttpResponse("Sign in with a device password.", status=401)
            response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
            return response
        except Throttled as throttled:
            response = HttpResponse("Too many failed attempts.", status=429)
            response["Retry-After"] = str(throttled.retry_after)
            return response
        if request.method in WRITES:
            return _refused(request, WRITES[request.method])
        if request.method not in READS:
            response = HttpResponse(status=405)
            response["Allow"] = ALLOW
            return response
        context = Context(user=user, paths=resources.paths())
        try:
            return view(request, context, **kwargs)
        except BadRequest as error:
            return HttpResponse(str(error), status=400, content_type="text/plain")

    return wrapped


def _options() -> HttpResponse:
    response = HttpResponse(status=200)
    response["DAV"] = "1, 3, addressbook"
    response["Allow"] = ALLOW
    return response


def _refused(request: HttpRequest, privilege: Name) -> HttpResponse:
    resource = multistatus.href(request.path) + multistatus.element(
        (DAV, "privilege"), multistatus.element(privilege)
    )
    body = multistatus.error(
        (DAV, "need-privileges"), multistatus.element((DAV, "resource"), resource)
    )
    return HttpResponse(body, status=403, content_type=multistatus.CONTENT_TYPE)


def _not_found() -> HttpResponse:
    return HttpResponse("Not found.", status=404, content_type="text/plain")


def _no_book() -> HttpResponse:
    response = HttpResponse(
        "No address book is ready: export again to fill it.", status=503, content_type="text/plain"
    )
    response["Retry-After"] = str(NO_BOOK_RETRY_SECONDS)
    return response


def _depth(request: HttpRequest) -> int:
    # "infinity" (and no header, which means it) lists one level: the book is flat.
    return 0 if request.headers.get("Depth", "infinity").strip() == "0" else 1


def _multistatus(responses: Iterator[str], *, sync_token: str | None = None) -> HttpResponseBase:
    response = StreamingHttpResponse(
        multistatus.stream(responses, sync_token=sync_token),
        status=207,
        content_type=multistatus.CONTENT_TYPE,
    )
    return response


def _body(request: HttpRequest) -> bytes:
    length = request.META.get("CONTENT_LENGTH") or ""
    return davxml.read_body(request, int(length) if length.isdigit() else None)


def well_known(request: HttpRequest) -> HttpResponseBase:
    """Service discovery (RFC 6764): any method is sent on to the DAV root."""
    return redirect("carddav:root", permanent=True)


well_known = csrf_exempt(well_known)


def _propfind_only(
    request: HttpRequest, context: Context, path: str, properties, children: Callable
) -> HttpResponseBase:
    if request.method != "PROPFIND":
        return _method_not_allowed()
    asked = davxml.propfind(davxml.parse(_body(request)))

    def responses() -> Iterator[str]:
        yield resources.properties_response(path, properties, context, asked)
        if _depth(request):
            yield from children(context, asked)

    return _multistatus(responses())


def _method_not_allowed() -> HttpResponse:
    response = HttpResponse(status=405)
    response["Allow"] = "OPTIONS, PROPFIND"
    return response


@_dav
def root(request: HttpRequest, context: Context) -> HttpResponseBase:
    def children(context: Context, asked) -> Iterator[str]:
        yield resources.properties_response(
            context.paths.principal, resources.PRINCIPAL, context, asked
        )
        yield resources.properties_response(context.paths.home, resources.HOME, context, asked)

    return _propfind_only(request, context, context.paths.root, resources.ROOT, children)


@_dav
def principal(request: HttpRequest, context: Context) -> HttpResponseBase:
    return _propfind_only(
        request, context, context.paths.principal, resources.PRINCIPAL, lambda *_: iter(())
    )


@_dav
def home(request: HttpRequest, context: Context) -> HttpResponseBase:
    context = Context(context.user, context.paths, cards.book_current(user=context.user))

    def children(context: Context, asked) -> Iterator[str]:
        yield resources.properties_response(
            context.paths.collection, resources.COLLECTION, context, asked
        )

    return _propfind_only(request, context, context.paths.home, resources.HOME, children)


@_dav
def collection(request: HttpRequest, context: Context) -> HttpResponseBase:
    book = cards.book_current(user=context.user)
    if book is None:
        return _no_book()
    context = Context(context.user, context.paths, book)
    cards.book_index(book=book)
    if request.method == "PROPFIND":
        return _collection_propfind(request, context)
    if request.method == "REPORT":
        return _report(request, context)
    response = HttpResponse(status=405)
    response["Allow"] = "OPTIONS, PROPFIND, REPORT"
    return response


def _collection_propfind(request: HttpRequest, context: Context) -> HttpResponseBase:
    asked = davxml.propfind(davxml.parse(_body(request)))
    book = context.book

    def responses() -> Iterator[str]:
        yield resources.properties_response(
            context.paths.collection, resources.COLLECTION, context, asked
        )
        if _depth(request):
            yield from _card_responses(context, _listing(book, asked), asked, request="propfind")

    return _multistatus(responses())


def _listing(book: cards.Book, asked: davxml.Propfind) -> Iterator:
    if resources.asks_for_text(asked):
        return cards.cards_with_text(book=book)
    return cards.cards_listed(book=book)


def _card_responses(
    context: Context, listed: Iterator, asked: davxml.Propfind, *, request: str
) -> Iterator[str]:
    sent = 0
    try:
        for card in listed:
            if isinstance(card, cards.CardText):
                sent += 1
            yield resources.card_response(context.paths.card(card.uid), card, asked)
    finally:
        CARDS_SENT.labels(request).inc(sent)


def _report(request: HttpRequest, context: Context) -> HttpResponseBase:
    body = _body(request)
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

    def responses() -> Iterator[str]:
        sent = 0
        found = cards.cards_get(book=context.book, uids=(uid or "" for _, uid in wanted))
        try:
            for (href, uid), card in zip(wanted, found, strict=True):
                if uid is None or isinstance(card, str):
                    yield multistatus.status_response(href, multistatus.NOT_FOUND)
                else:
                    sent += 1
                    yield resources.card_response(paths.card(uid), card, asked)
        finally:
            CARDS_SENT.labels("multiget").inc(sent)

    return _multistatus(responses())


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
    return _multistatus(_card_responses(context, found, query.asked, request="query"))


def _sync(context: Context, root) -> HttpResponseBase:
    """REPORT sync-collection (RFC 6578): everything, or what changed since a token."""
    sync = queries.sync_collection(root)
    book = context.book
    token = resources.sync_token(book.token)
    if not sync.token:
        listed = _listing(book, sync.asked)
        return _multistatus(
            _card_responses(context, listed, sync.asked, request="sync"), sync_token=token
        )
    since_token = resources.token_of(sync.token)
    since = cards.book_for_token(user=context.user, token=since_token) if since_token else None
    if since is None:
        return HttpResponse(
            multistatus.error((DAV, "valid-sync-token")),
            status=403,
            content_type=multistatus.CONTENT_TYPE,
        )
    if since.token == book.token:
        return _multistatus(iter(()), sync_token=token)
    delta = cards.cards_changed(book=book, since=since)

    def responses() -> Iterator[str]:
        yield from _card_responses(context, delta.changed, sync.asked, request="sync")
        for uid in delta.removed:
            yield multistatus.status_response(context.paths.card(uid), multistatus.NOT_FOUND)

    return _multistatus(responses(), sync_token=token)


@_dav
def card(request: HttpRequest, context: Context, name: str) -> HttpResponseBase:
    book = cards.book_current(user=context.user)
    if book is None:
        return _no_book()
    uid = context.paths.uid_of(context.paths.collection + name)
    if uid is None:
        return _not_found()
    cards.book_index(book=book)
    (found,) = cards.cards_get(book=book, uids=[uid])
    if isinstance(found, str):
        return _not_found()
    context = Context(context.user, context.paths, book)
    if request.method == "PROPFIND":
        asked = davxml.propfind(davxml.parse(_body(request)))
        return _multistatus(iter([resources.card_response(request.path, found, asked)]))
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405)
        response["Allow"] = "OPTIONS, GET, HEAD, PROPFIND"
        return response
    etag = f'"{found.etag}"'
    if request.headers.get("If-None-Match", "").strip() == etag:
        response = HttpResponse(status=304)
    else:
        body = found.text.encode()
        CARDS_SENT.labels("get").inc()
        response = HttpResponse(b"" if request.method == "HEAD" else body)
        response["Content-Length"] = str(len(body))
    response["Content-Type"] = cards.CONTENT_TYPE
    response["ETag"] = etag
    return response


@_dav
def elsewhere(request: HttpRequest, context: Context, rest: str) -> HttpResponseBase:
    """Any other address under the DAV root: nothing there, for any member."""
    return _not_found()
