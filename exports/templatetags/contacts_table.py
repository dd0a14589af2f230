"""The rows of the contacts table, rendered in Python.

A page is 50 contacts of three cells each: written in the template language, those rows
were most of the page's cost (thousands of variable look-ups and filter calls per request,
more than every query of the page together). Here they are one string join; the markup is
the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import NamedTuple
from urllib.parse import quote

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from exports.models import Contact

register = template.Library()

NONE = "—"


@register.simple_tag
def contact_rows(contacts: Iterable[Contact], enriched: bool = False) -> SafeString:
    """Render a `<tr>` per contact: name, e-mail (a mailto link) and phone, "—" if blank;
    with `enriched` (a LinkedIn data archive joined, see enrichment/), company and position.
    """
    labels = _labels()
    rows = (
        _row(contact, labels) + (_enriched_cells(contact, labels) if enriched else "")
        for contact in contacts
    )
    return mark_safe("".join(row + "</tr>\n" for row in rows))  # noqa: S308 (escaped)


class _Labels(NamedTuple):
    """The cells' words in the active language, escaped: worded once a page, not per row."""

    name: str
    email: str
    phone: str
    company: str
    title: str
    international: str


def _labels() -> _Labels:
    return _Labels(
        name=escape(_("Name")),
        email=escape(_("Email")),
        phone=escape(_("Phone")),
        company=escape(_("Company")),
        title=escape(pgettext("job title", "Position")),
        # The number follows: "International form: +33 1 23 45 67 89".
        international=escape(_("International form:")),
    )


def _enriched_cells(contact: Contact, labels: _Labels) -> str:
    company, title = escape(contact.company), escape(contact.title)
    return (
        f'<td role="cell" class="contact-company" data-label="{labels.company}"{_title(company)}>'
        f'<span dir="auto">{company or NONE}</span></td>'
        f'<td role="cell" class="contact-title" data-label="{labels.title}"{_title(title)}>'
        f'<span dir="auto">{title or NONE}</span></td>'
    )


def _row(contact: Contact, labels: _Labels) -> str:
    name, email, phone = escape(contact.name), escape(contact.email), escape(contact.phone)
    international = contact.phone_international
    return (
        '<tr role="row">'
        f'<td role="cell" class="contact-name" data-label="{labels.name}"{_title(name)}>'
        f'<span dir="auto">{name or NONE}</span></td>'
        f'<td role="cell" class="contact-email" data-label="{labels.email}"{_title(email)}>'
        + (
            f'<a href="mailto:{escape(quote(contact.email, safe="@"))}" dir="ltr">{email}</a>'
            if email
            else f"<span>{NONE}</span>"
        )
        + "</td>"
        + f'<td role="cell" class="contact-phone" data-label="{labels.phone}"{_title(phone)}>'
        + (f'<span dir="ltr">{phone}</span>' if phone else f"<span>{NONE}</span>")
        + (
            f'<small class="phone-international" dir="ltr" title="{labels.international} '
            f'{escape(international)}">{escape(international)}</small>'
            if international and international != contact.phone
            else ""
        )
        + "</td>"
    )


def _title(escaped: str) -> str:
    return f' title="{escaped}"' if escaped else ""
