"""LinkedIn's "Get a copy of your data" archive of a demo member: a ZIP with Connections.csv.

Consistent with the member's address book (the same people), and written as LinkedIn
writes it: a byte-order mark, a "Notes:" paragraph and a blank line before the header,
quoted commas, dates like `06 Dec 2026`, blank padding rows at the end. Like LinkedIn's,
most connections' e-mail addresses are blank; some names are shared (ambiguous), and a few
connections are not in the address book at all. Deterministic: the same file every time.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import date, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from linkedin_sandbox.members import MEMBERS, address_book, member_by_sub

HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
NOTES = (
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses'
    " are missing. You will only see email addresses for connections who have allowed their"
    " connections to see or download their email address using this setting,"
    ' https://www.linkedin.com/psettings/privacy/email. "'
    "\r\n\r\n"
)
COMPANIES = (
    "Analytical Engines Ltd", "Acme, Inc.", "Babbage & Co", "Northwind Traders",
    "株式会社サンプル", "Сбербанк Технологии", "Contoso", "Fabrikam",
    "The Extraordinarily Long-Named International Consortium of Mechanical Computation"
    " and Difference Engines, Incorporated",
    "", "Acme, Inc.", "Contoso",
)  # fmt: skip
POSITIONS = (
    "Engineer", "Head of Research", "VP, Sales & Partnerships", "Product Manager",
    "ソフトウェアエンジニア", "", "Designer", "Chief \"Everything\" Officer",
)  # fmt: skip
# Connections who are nobody in the address book ("connection without contact details"),
# two of them sharing a name, so neither could be joined by name.
STRANGERS = (
    ("Charles", "Babbage", "Analytical Engines Ltd", "Inventor"),
    ("Mary", "Shelley", "", "Author"),
    ("Mary", "Shelley", "Villa Diodati", "Guest"),
)
EMAIL_SHARED_EVERY = 4  # one connection in four lets connections see their e-mail
FIRST_DAY = date(2012, 3, 1)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def connections_csv(member_key: str) -> str:
    """Return the member's Connections.csv text, BOM first, as LinkedIn writes it."""
    out = io.StringIO()
    out.write("\ufeff" + NOTES)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(connection_rows(member_key))
    out.write(",,,,,,\r\n\r\n")  # LinkedIn's padding
    return out.getvalue()


def connection_rows(member_key: str) -> list[list[str]]:
    """The member's connections, in HEADER's order: the archive's rows, and the Member Data
    Portability API's (`portability.py`)."""
    chance = random.Random(f"archive:{member_key}")
    rows = []
    index = 0
    for contact in address_book(member_key):
        name = (contact.get("name") or "").strip()
        if not name or "\n" in name or "\r" in name:
            continue  # LinkedIn's connections always have a name on one line
        first, _, last = name.partition(" ")
        email = contact.get("emailAddress", "") if index % EMAIL_SHARED_EVERY == 0 else ""
        rows.append(_row(chance, first, last, email, index))
        index += 1
    for first, last, company, position in STRANGERS:
        rows.append([first, last, _url(first, last, index), "", company, position,
                     _date(chance)])  # fmt: skip
        index += 1
    return rows


def _row(chance: random.Random, first: str, last: str, email: str, index: int) -> list[str]:
    return [
        first,
        last,
        _url(first, last, index),
        email,
        COMPANIES[index % len(COMPANIES)],
        POSITIONS[index % len(POSITIONS)],
        _date(chance),
    ]


def _url(first: str, last: str, index: int) -> str:
    slug = "-".join(part for part in (first, last) if part.isascii() and part.isalnum())
    return f"https://www.linkedin.com/in/{(slug or 'member').lower()}-{index:04d}"


def _date(chance: random.Random) -> str:
    # Month names in English whatever the machine's locale, as LinkedIn writes them.
    day = FIRST_DAY + timedelta(days=chance.randrange(5000))
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"


def archive_zip(member_key: str) -> bytes:
    """Return the member's archive: a ZIP holding Connections.csv (and a little else)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("Connections.csv", connections_csv(member_key)),
            ("Profile.csv", "First Name,Last Name\r\n" + MEMBERS[member_key].name),
        ):
            # A fixed date: the same bytes every time (writestr's default is now).
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, text.encode(), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@require_GET
def archive_download(request: HttpRequest, sub: str) -> HttpResponse:
    """`GET /_sandbox/archive/<sub>.zip`: the member's archive, as LinkedIn's e-mail links it."""
    member = member_by_sub(sub)
    if member is None:
        raise Http404("No such member.")
    response = HttpResponse(archive_zip(member.key), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="Basic_LinkedInDataExport.zip"'
    return response
