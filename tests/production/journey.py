"""A member's journey over plain HTTP against a running deployment and its LinkedIn sandbox.

Sign in on the sandbox's consent page, start an export, wait for it, download the CSV and
check it against the sandbox's own copy of the book. Used by the real-process tests and by
`make compose-check` (`python -m tests.production.journey APP_URL SANDBOX_URL`); it needs
nothing of Django, so it runs outside the app's processes.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import time
from html import unescape
from urllib.parse import urljoin

import requests

from exports.downloads.formulas import neutralise
from linkedin_sandbox.client import SandboxClient

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class JourneyError(AssertionError):
    """The deployment did not do what a member expects."""


class Member:
    """One member's browser: cookies, and the app's URL (or several, taken in turn)."""

    def __init__(self, app_urls: str | list[str], sandbox_url: str, *, timeout: float = 30):
        self.app_urls = [app_urls] if isinstance(app_urls, str) else list(app_urls)
        self.sandbox = SandboxClient()
        self.sandbox.url = sandbox_url
        self.http = requests.Session()
        self.timeout = timeout
        self._turn = 0

    def url(self, path: str) -> str:
        """Return `path` on the next app instance in turn (clients alternate between them)."""
        base = self.app_urls[self._turn % len(self.app_urls)]
        self._turn += 1
        return urljoin(base, path)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url(path), timeout=self.timeout, **kwargs)

    def sign_in(self, member: str = "typical") -> None:
        login = self.get("/auth/login/", allow_redirects=False)
        _expect(login.status_code == 302, f"sign-in did not redirect: {login.status_code}")
        callback = self.sandbox.consent(login.headers["Location"], member=member)
        # The callback is on whichever instance LinkedIn was told; cookies are per host.
        answer = self.http.get(callback, allow_redirects=False, timeout=self.timeout)
        _expect(answer.status_code == 302, f"callback answered {answer.status_code}")

    def export_start(self) -> str:
        """Press Export; return the export's path."""
        home = self.get("/")
        token = _CSRF_FIELD.search(home.text)
        _expect(token is not None, "the signed-in home page has no export form")
        answer = self.http.post(
            self.url("/exports/"),
            data={"csrfmiddlewaretoken": unescape(token.group(1))},
            allow_redirects=False,
            timeout=self.timeout,
        )
        _expect(answer.status_code == 302, f"starting an export answered {answer.status_code}")
        return answer.headers["Location"]

    def export_wait(self, export_path: str, *, timeout: float = 120, poll: bool = True) -> None:
        """Wait until the CSV can be downloaded; with `poll`, refresh the status as htmx does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if poll:
                self.get(export_path + "status/", headers={"HX-Request": "true"})
            download = self.get(export_path + "contacts.csv", allow_redirects=False, stream=True)
            download.close()
            if download.status_code == 200:
                return
            _expect(download.status_code == 302, f"download answered {download.status_code}")
            time.sleep(0.5)
        raise JourneyError(f"the export at {export_path} did not finish in {timeout:.0f} s")

    def download_csv(self, export_path: str) -> bytes:
        answer = self.get(export_path + "contacts.csv")
        _expect(answer.status_code == 200, f"download answered {answer.status_code}")
        _expect(answer.headers["Content-Type"].startswith("text/csv"), "not a CSV")
        return answer.content


def expected_csv_rows(book: list[dict]) -> list[list[str]]:
    """The CSV rows the app must produce for `book`, as LinkedIn sent it."""
    rows = [["Name", "Email Address", "Phone Number"]]
    for contact in book:
        phone = contact.get("phoneNumber") or {}
        cells = [
            contact.get("name") or "",
            contact.get("emailAddress") or "",
            (phone.get("number") if isinstance(phone, dict) else phone) or "",
        ]
        rows.append([neutralise(str(cell).strip()) for cell in cells])
    return rows


# The CSV's fourth column is the phone in international form, which the app derives; the
# journey checks the three columns LinkedIn sent, exactly.
AS_SENT_COLUMNS = 3


def check_csv(body: bytes, book: list[dict]) -> None:
    """Fail unless `body` is the whole of `book`, in order, formulas neutralised."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    rows = [row[:AS_SENT_COLUMNS] for row in rows]
    expected = expected_csv_rows(book)
    _expect(len(rows) == len(expected), f"{len(rows) - 1} contacts, expected {len(book)}")
    for number, (row, wanted) in enumerate(zip(rows, expected, strict=True)):
        _expect(row == wanted, f"row {number} is {row!r}, expected {wanted!r}")


def run(app_url: str, sandbox_url: str, member: str = "typical") -> int:
    """The whole journey; return how many contacts the checked CSV holds."""
    person = Member(app_url, sandbox_url)
    person.sign_in(member)
    export_path = person.export_start()
    person.export_wait(export_path)
    book = person.sandbox.contacts(member)
    check_csv(person.download_csv(export_path), book)
    return len(book)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise JourneyError(message)


if __name__ == "__main__":
    started = time.monotonic()
    count = run(*sys.argv[1:3])
    print(f"journey passed: {count} contacts in the CSV, in {time.monotonic() - started:.1f} s")
