"""LinkedIn's export task as it sends it: the one module that knows the body's shape.

A task is read lazily: its status first, and the contacts of a result as they are stored.
What `ExportResult.checked_contacts` and `ExportResult.expiry` give is already checked;
any other shape raises `Unavailable` (or its `InvalidAddressBook`), where trying again can
help (a number too large to read among them). A body that breaks the other bounds of
`exports.linkedin_limits` (or holds a value that cannot be read at all) raises
`AddressBookRejected`, which is final: LinkedIn would send the same body again. Nothing
else escapes from reading a body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import ijson

from exports.linkedin_api.errors import AddressBookRejected, InvalidAddressBook, Unavailable
from exports.linkedin_limits import (
    BodyRejected,
    NumberTooLarge,
    body_checked,
    lone_surrogates_replaced,
)
from exports.notices import Notice

KNOWN_STATUSES = {"IN_PROGRESS", "SUCCEEDED", "FAILED"}


class LinkedInContact(NamedTuple):
    """One contact of LinkedIn's address book, checked: its fields as text without NUL."""

    name: str
    email: str
    phone: str
    # The entry as JSON text without NUL characters (no database stores one); "" unless
    # asked for, as only the reading that stores the contacts needs it.
    json: str


@dataclass(frozen=True)
class ExportTaskResponse:
    status: str
    result: ExportResult | None  # LinkedIn's `result~`, present once SUCCEEDED


class ExportResult:
    """LinkedIn's `result~`, read from the response body as it is needed.

    One response holds the whole address book. Parsed whole, its Python objects take
    several times the size of the JSON; streamed (ijson), one contact at a time.
    """

    def __init__(self, body: bytes):
        # Read with ijson's paths, so it must be a body `body_checked` returned.
        self._body = body

    def expires_at(self) -> object:
        """Return `expiresAt` as LinkedIn sent it (epoch milliseconds), or None."""
        with _garbage_is_unavailable():
            return next(ijson.items(self._body, "result~.expiresAt", use_float=True), None)

    def expiry(self) -> datetime:
        """Return when LinkedIn's terms end our copy; raise `InvalidAddressBook` if unsaid."""
        value = self.expires_at()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidAddressBook(Notice("result_no_expiry"))
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise InvalidAddressBook(Notice("result_impossible_expiry")) from error

    def contacts(self) -> Iterator[object]:
        """Yield each entry of `contacts` as LinkedIn sent it, unchecked.

        Raise `Unavailable` when there is no list of contacts, or when the body breaks
        off or stops being JSON part-way (so a caller writing as it reads must roll back).
        """
        if _first_event(self._body, "result~.contacts") != "start_array":
            raise Unavailable(Notice("result_no_contacts"))
        with _garbage_is_unavailable():
            yield from ijson.items(self._body, "result~.contacts.item", use_float=True)

    def checked_contacts(self, *, with_json: bool = False) -> Iterator[LinkedInContact]:
        """Yield each contact checked, its JSON text too if `with_json`; raise
        `InvalidAddressBook` at an entry that is not a contact (as `contacts` raises).
        """
        for position, entry in enumerate(self.contacts()):
            if not isinstance(entry, dict):
                raise InvalidAddressBook(Notice("result_not_a_contact", {"number": position + 1}))
            with _garbage_is_unavailable():
                yield _contact(entry, with_json=with_json)


def _contact(entry: dict, *, with_json: bool) -> LinkedInContact:
    text = ""
    if with_json:
        text = json.dumps(entry, ensure_ascii=False)
        if "\\u0000" in text:
            entry = _without_nul(entry)
            text = json.dumps(entry, ensure_ascii=False)
    else:
        entry = _with_keys_as_stored(entry)
    phone = entry.get("phoneNumber")
    return LinkedInContact(
        name=_text(entry.get("name")),
        email=_text(entry.get("emailAddress")),
        phone=_text(phone.get("number") if isinstance(phone, dict) else phone),
        json=text,
    )


def _with_keys_as_stored(entry: dict) -> dict:
    """Return `entry` as far as its fields are read, as it will be stored: a NUL in a value
    is dropped by `_text`, but one in a key moves the value to another key.
    """
    keys = "".join(entry)  # one scan of the keys: this runs for every contact
    if isinstance(phone := entry.get("phoneNumber"), dict):
        keys += "".join(phone)
    return _without_nul(entry) if "\x00" in keys else entry


def _without_nul(value: Any) -> Any:
    """Return `value` without NUL characters, at any depth."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _text(value: Any) -> str:
    """Return a field as text: LinkedIn's contacts are free text from many sources."""
    if isinstance(value, str):  # nearly always: checked first, as it runs for every field
        return value.replace("\x00", "").strip()
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).replace("\x00", "").strip()


def parse_export_task(body: bytes) -> ExportTaskResponse:
    """Read a task as LinkedIn sends it; raise `Unavailable` for garbage, and
    `AddressBookRejected` for a body beyond the bounds.

    Only the status is read here; a result's contacts are streamed when stored.
    """
    # First, before anything reads it with ijson's paths (their memory grows with the
    # square of the depth): the bounds, on the body's basic events, and the repair of
    # its lone surrogate escapes, which everything after reads instead.
    body = _within_bounds(body)
    with _garbage_is_unavailable():
        status = next(ijson.items(body, "status"), None)
    if status not in KNOWN_STATUSES:
        raise Unavailable(Notice("task_status_unknown", {"status": repr(str(status)[:40])}))
    if status != "SUCCEEDED":
        return ExportTaskResponse(status=status, result=None)
    if _first_event(body, "result~") != "start_map":
        raise Unavailable(Notice("result_missing"))
    return ExportTaskResponse(status=status, result=ExportResult(body))


def _within_bounds(body: bytes) -> bytes:
    """Return `body` checked and repaired (`body_checked`); raise `AddressBookRejected` for
    one beyond the bounds.
    """
    try:
        return body_checked(body)
    except NumberTooLarge as rejected:
        # The parser cannot read it, as it cannot read a body that is not JSON: retried
        # like one, as it always was, and the member sees why meanwhile.
        raise InvalidAddressBook(Notice(rejected.code, rejected.params)) from rejected
    except BodyRejected as rejected:
        raise AddressBookRejected(Notice(rejected.code, rejected.params)) from rejected
    except ijson.JSONError:
        # Not JSON from some point on. The check stops at the first bound broken, so all
        # before that point is within the bounds: it is read as before, lazily (a task's
        # status first), and the reading that reaches the break raises `Unavailable`.
        return lone_surrogates_replaced(body)


@contextmanager
def _garbage_is_unavailable() -> Iterator[None]:
    """Turn what reading a body can raise into a `LinkedInAPIError`.

    Not JSON (or cut short) may be LinkedIn's passing trouble: `Unavailable`, retried. Any
    other error from reading a checked body is a value the bounds let through but Python
    cannot hold (text, a number, a structure): the same body would raise it again, so it
    is final. Nothing should reach the second clause; it keeps a surprise from becoming a
    500 and a task retried for ever.
    """
    try:
        yield
    except ijson.JSONError as error:
        raise Unavailable(Notice("result_not_json")) from error
    except (ArithmeticError, RecursionError, UnicodeError, ValueError) as error:
        raise AddressBookRejected(Notice("result_unreadable")) from error


def _first_event(body: bytes, prefix: str) -> str | None:
    """Return what the document holds at `prefix`: "start_map", "start_array", "string"..."""
    with _garbage_is_unavailable():
        for path, event, _ in ijson.parse(body):
            if path == prefix and event not in ("map_key", "end_map", "end_array"):
                return event
    return None
