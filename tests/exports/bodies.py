"""JSON bodies of odd shapes, for the tests of LinkedIn's body bounds and of its reading."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from exports.linkedin_limits import MAX_DEPTH


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


_strings = st.lists(st.integers(0, 0x10FFFF).map(chr), max_size=12).map("".join)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _strings
)
_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_strings, children, max_size=4)
    ),
    max_leaves=30,
)


@st.composite
def documents(draw) -> bytes:
    """A JSON document of an odd shape: a value, wrapped a random number of levels deep,
    perhaps as a contact of a real body, serialised in one of the ways JSON allows, with
    perhaps a few bytes changed.
    """
    value = draw(_values)
    for _ in range(draw(st.integers(0, MAX_DEPTH + 6))):
        value = [value] if draw(st.booleans()) else {draw(_strings): value}
    if draw(st.booleans()):
        value = {"status": "SUCCEEDED", "result~": {"contacts": [value], "expiresAt": 1}}
    ascii_only = draw(st.booleans())
    text = json.dumps(value, ensure_ascii=ascii_only)
    body = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()) and body:
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(body) - 1))
            body = body[:at] + bytes([draw(st.integers(0, 255))]) + body[at + 1 :]
    return body
