"""The read-only CardDAV address book (RFC 6352 over WebDAV, RFC 4918), one per member.

Every request carries a device password in Basic auth (`devices.auth`); a session cookie
opens nothing here, so CSRF does not apply and the views are exempt from it. Writes of any
kind are refused with 403 and `DAV:need-privileges`: nothing a client sends changes data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from carddav import cards, davxml, multistatus, resources
from carddav.davxml import DAV, BadRequest, Name
from carddav.metrics import CARDS_SENT
from carddav.reports import card_responses, listing, multistatus_response, report, request_body
from carddav.resources import Context
from devices.auth import REALM, AuthenticationRequired, InsecureTransport, device_authenticate
from devices.throttle import Throttled

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
            return HttpResponse(_("CardDAV needs HTTPS."), status=403, content_type="text/plain")
        except AuthenticationRequired:
            response = HttpResponse(_("Sign in with a device password."), status=401)
            response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
            return response
        except Throttled as throttled:
            response = HttpResponse(_("Too many failed attempts."), status=429)
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
    return HttpResponse(_("Not found."), status=404, content_type="text/plain")


def _no_book() -> HttpResponse:
    response = HttpResponse(
        "No address book is ready: export again to fill it.", status=503, content_type="text/plain"
    )
    response["Retry-After"] = str(NO_BOOK_RETRY_SECONDS)
    return response


def _depth(request: HttpRequest) -> int:
    # "infinity" (and no header, which means it) lists one level: the book is flat.
    return 0 if request.headers.get("Depth", "infinity").strip() == "0" else 1


def well_known(request: HttpRequest) -> HttpResponseBase:
    """Service discovery (RFC 6764): any method is sent on to the DAV root."""
    return redirect("carddav:root", permanent=True)


well_known = csrf_exempt(well_known)


def _propfind_only(
    request: HttpRequest, context: Context, path: str, properties, children: Callable
) -> HttpResponseBase:
    if request.method != "PROPFIND":
        return _method_not_allowed()
    asked = davxml.propfind(davxml.parse(request_body(request)))

    def responses() -> Iterator[str]:
        yield resources.properties_response(path, properties, context, asked)
        if _depth(request):
            yield from children(context, asked)

    return multistatus_response(responses())


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
    book = cards.book_current(user=context.user)
    # Its collection's ctag and sync token are of the cards as they are now written.
    context = Context(context.user, context.paths, book and cards.book_index(book=book))

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
    book = cards.book_index(book=book)
    context = Context(context.user, context.paths, book)
    if request.method == "PROPFIND":
        return _collection_propfind(request, context)
    if request.method == "REPORT":
        return report(request, context)
    response = HttpResponse(status=405)
    response["Allow"] = "OPTIONS, PROPFIND, REPORT"
    return response


def _collection_propfind(request: HttpRequest, context: Context) -> HttpResponseBase:
    asked = davxml.propfind(davxml.parse(request_body(request)))
    book = context.book

    def responses() -> Iterator[str]:
        yield resources.properties_response(
            context.paths.collection, resources.COLLECTION, context, asked
        )
        if _depth(request):
            yield from card_responses(context, listing(book, asked), asked, request="propfind")

    return multistatus_response(responses())


@_dav
def card(request: HttpRequest, context: Context, name: str) -> HttpResponseBase:
    book = cards.book_current(user=context.user)
    if book is None:
        return _no_book()
    uid = context.paths.uid_of(context.paths.collection + name)
    if uid is None:
        return _not_found()
    book = cards.book_index(book=book)
    (found,) = cards.cards_get(book=book, uids=[uid])
    if isinstance(found, str):
        return _not_found()
    context = Context(context.user, context.paths, book)
    if request.method == "PROPFIND":
        asked = davxml.propfind(davxml.parse(request_body(request)))
        return multistatus_response(iter([resources.card_response(request.path, found, asked)]))
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
