"""Member pictures: a small SVG with the member's initials, like a profile photo placeholder."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.html import escape
from django.views.decorators.http import require_GET

from linkedin_sandbox.members import member_get

_BACKGROUNDS = ("#0a66c2", "#057642", "#915907", "#8f5849", "#5f4b8b", "#b24020")


@require_GET
def avatar(request: HttpRequest, member_key: str) -> HttpResponse:
    member = member_get(member_key)
    if member is None:
        raise Http404
    initials = escape(member.given_name[:1] + member.family_name.split()[-1][:1])
    background = _BACKGROUNDS[hashlib.sha256(member.key.encode()).digest()[0] % len(_BACKGROUNDS)]
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">'
        f'<rect width="200" height="200" fill="{background}"/>'
        '<text x="100" y="100" dy=".35em" text-anchor="middle" fill="#fff" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="84">{initials}</text>'
        "</svg>"
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# The sandbox's own icon: LinkedIn's "in" on its blue, with a sandbox-yellow corner.
_FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="5" fill="#0a66c2"/>'
    '<path d="M20 32h7a5 5 0 0 0 5-5v-7z" fill="#f5c04a"/>'
    '<text x="15" y="16" dy=".35em" text-anchor="middle" fill="#fff" '
    'font-family="Helvetica, Arial, sans-serif" font-weight="700" font-size="19">in</text>'
    "</svg>"
)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_FAVICON, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
