"""Bounds on the structure of LinkedIn's export body, checked while streaming.

The size cap bounds a body's bytes, not its shape. A few hundred kilobytes of arrays
inside arrays make ijson's prefixed events (`ijson.parse`, `ijson.items`) build a path
string per level for every event, so memory grows with the square of the depth (a
40 KB body of 20,000 levels took a gigabyte), and `json.dumps` of such a contact raises
`RecursionError`. So the body is read once first as ijson's *basic* events, which carry
no path, and checked before anything reads it with paths or builds an object:

- **Depth**: at most `MAX_DEPTH` arrays and objects inside one another, counted from the
  document's top (LinkedIn's own shape uses five: the task, `result~`, `contacts`, a
  contact, its `phoneNumber`). Deeper: `TooDeep`.
- **One value's length**: a string of at most `MAX_VALUE_CHARS` characters (what one
  spreadsheet cell holds, the most a CSV download can carry whole), an object key of at
  most `MAX_KEY_CHARS`. Longer: `ValueTooLong`.
- **Unicode**: a JSON escape of a lone surrogate (`\\ud800` not followed by a low one,
  or `\\udc00` not preceded by a high one) is valid JSON syntax but no character, and
  UTF-8 cannot hold it; each is replaced by U+FFFD REPLACEMENT CHARACTER (as Python's
  "replace" error handler does), so the contact is kept with a visible mark where the
  broken character was. A correctly paired escape is one character and is kept. Bytes
  that are not UTF-8 at all (RFC 8259 requires it) make the body `NotUnicode`.
- **Numbers**: one beyond a 64-bit integer or a finite float is valid JSON that the
  parser cannot hold: `NumberTooLarge`.

Each violation is a `BodyRejected` whose `reason` is written for the member; retrying
cannot help (LinkedIn serves the same body again), so the export should fail with it and
store nothing. A body that is not JSON, or breaks off, raises ijson's own `JSONError`
here, as it would anywhere else. Memory stays flat whatever the body: basic events hold
one scalar at a time, and the only copy made is of a body that needs a replacement.

This module knows nothing of Django or of LinkedIn's API calls: a pure function of bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import ijson

MAX_DEPTH = 20
MAX_VALUE_CHARS = 32_767
MAX_KEY_CHARS = 1_024

_OPENS = frozenset(("start_map", "start_array"))
_CLOSES = frozenset(("end_map", "end_array"))
# A \uD800-\uDFFF escape, or an escaped backslash followed by such text: an odd number of
# backslashes before the "u" tells them apart (`_is_escape`). A literal start keeps the
# scan of a body without any as fast as a search for two bytes.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_REPLACEMENT_ESCAPE = b"\\ufffd"  # as long as the escape it replaces


class BodyRejected(ValueError):
    """LinkedIn's body breaks one of the bounds; `reason` is written for the member, in
    English, and `code` with `params` name it for `exports.notices` to word in theirs.
    """

    def __init__(self, reason: str, *, code: str, params: dict[str, int] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.params = params or {}


class TooDeep(BodyRejected):
    """Arrays and objects nested deeper than `MAX_DEPTH`."""


class ValueTooLong(BodyRejected):
    """A string longer than `MAX_VALUE_CHARS`, or a key longer than `MAX_KEY_CHARS`."""


class NotUnicode(BodyRejected):
    """Bytes that are not UTF-8."""


class NumberTooLarge(BodyRejected):
    """A number beyond what the parser holds (a 64-bit integer, a finite float)."""


def body_checked(body: bytes) -> bytes:
    """Return `body` ready to be read with ijson's paths: lone surrogate escapes replaced
    (`body` itself when there is none), every bound checked.

    Raise a `BodyRejected` for a body that breaks a bound, ijson's `JSONError` for one that
    is not JSON.
    """
    repaired = lone_surrogates_replaced(body)
    try:
        for _ in checked_events(ijson.basic_parse(repaired, use_float=True)):
            pass
    except ijson.JSONError as error:
        # Valid JSON that the parser cannot hold: the same body would fail every retry.
        if "overflow" in str(error):
            raise NumberTooLarge(_NUMBER_TOO_LARGE, code="body_number_too_large") from error
        raise
    return repaired


def checked_events(
    events: Iterable[tuple[str, object]],
    *,
    max_depth: int = MAX_DEPTH,
    max_value_chars: int = MAX_VALUE_CHARS,
    max_key_chars: int = MAX_KEY_CHARS,
) -> Iterator[tuple[str, object]]:
    """Yield ijson's basic events (`ijson.basic_parse`) as they come; raise a
    `BodyRejected` at the first that breaks a bound, before the next is read.
    """
    depth = 0
    try:
        for event, value in events:
            if event == "string":
                if len(value) > max_value_chars:  # type: ignore[arg-type]
                    raise ValueTooLong(
                        _TOO_LONG.format(limit=max_value_chars),
                        code="body_value_too_long",
                        params={"limit": max_value_chars},
                    )
            elif event == "map_key":
                if len(value) > max_key_chars:  # type: ignore[arg-type]
                    raise ValueTooLong(
                        _KEY_TOO_LONG.format(limit=max_key_chars),
                        code="body_key_too_long",
                        params={"limit": max_key_chars},
                    )
            elif event in _OPENS:
                depth += 1
                if depth > max_depth:
                    raise TooDeep(
                        _TOO_DEEP.format(limit=max_depth),
                        code="body_too_deep",
                        params={"limit": max_depth},
                    )
            elif event in _CLOSES:
                depth -= 1
            yield event, value
    except UnicodeDecodeError as error:
        # ijson passes on what its parser let through: overlong forms, encoded surrogates.
        raise NotUnicode(_NOT_UNICODE, code="body_not_unicode") from error


_TOO_DEEP = (
    "LinkedIn's address book has values nested more than {limit} levels deep, more than "
    "any contact needs, so we stored none of it."
)
_TOO_LONG = (
    "LinkedIn's address book holds a value longer than {limit:,} characters, more than a "
    "contact's field can be, so we stored none of it."
)
_KEY_TOO_LONG = (
    "LinkedIn's address book holds a field name longer than {limit:,} characters, so we "
    "stored none of it."
)
_NUMBER_TOO_LARGE = (
    "LinkedIn's address book holds a number too large to read, so we stored none of it."
)
_NOT_UNICODE = "LinkedIn's address book is not valid UTF-8 text, so we stored none of it."


def lone_surrogates_replaced(body: bytes) -> bytes:
    """Return `body` with each JSON escape of a lone surrogate replaced by `\\ufffd`;
    `body` itself when it holds none (the usual case: one scan, no copy).

    One pass over the escapes, holding only a high surrogate that waits for its low one,
    and the one copy of the body once a replacement is needed.
    """
    repaired: bytearray | None = None
    waiting: tuple[int, int] | None = None  # a high surrogate's escape, not yet paired
    for match in _SURROGATE_ESCAPE.finditer(body):
        start, end = match.span()
        if not _is_escape(body, start):
            continue
        if waiting is not None and waiting[1] == start and not _is_high(body, start):
            waiting = None  # the low half of a pair
            continue
        if waiting is not None:
            repaired = _replaced(repaired, body, waiting[0])
            waiting = None
        if _is_high(body, start):
            waiting = (start, end)
        else:
            repaired = _replaced(repaired, body, start)
    if waiting is not None:
        repaired = _replaced(repaired, body, waiting[0])
    return body if repaired is None else bytes(repaired)


def _replaced(repaired: bytearray | None, body: bytes, start: int) -> bytearray:
    if repaired is None:
        repaired = bytearray(body)
    repaired[start : start + len(_REPLACEMENT_ESCAPE)] = _REPLACEMENT_ESCAPE
    return repaired


def _is_escape(body: bytes, start: int) -> bool:
    """True when the backslash at `start` is not itself escaped by the ones before it."""
    before = start
    while before > 0 and body[before - 1] == 0x5C:  # a backslash
        before -= 1
    return (start - before) % 2 == 0


def _is_high(body: bytes, start: int) -> bool:
    """True for an escape `\\uD800`-`\\uDBFF` at `start` (the third hex digit says)."""
    return body[start + 3] in b"89abAB"
