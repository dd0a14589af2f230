"""Many short byte strings kept in one buffer, for the values ingest holds per contact.

A list of `bytes` objects costs an object and a pointer beside each value, several times a
short value's own size; packed, a value costs its own bytes and a 4-byte end offset. Ingest
keeps a few such values per contact between its two readings of LinkedIn's body (sort keys,
international phones), and its peak memory has to stay within a small multiple of the body.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator


class PackedValues:
    """An append-only sequence of byte strings in one buffer."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("I")  # where each value ends: 4 GiB of values is far beyond a book

    def append(self, value: bytes) -> None:
        self._data += value
        self._ends.append(len(self._data))

    def __getitem__(self, index: int) -> bytes:
        start = self._ends[index - 1] if index else 0
        return bytes(self._data[start : self._ends[index]])

    def drain(self) -> Iterator[bytes]:
        """Yield every value in order and leave the sequence empty (its buffer is let go
        before the first value is handed out).
        """
        data, ends = bytes(self._data), self._ends
        self._data, self._ends = bytearray(), array("I")
        start = 0
        for end in ends:
            yield data[start:end]
            start = end
