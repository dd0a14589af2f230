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
