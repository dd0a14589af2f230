"""JSON: every contact exactly as LinkedIn sent it, the stored text streamed as it is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext_lazy

from exports.downloads.base import chunks

LABEL = gettext_lazy("Everything LinkedIn sent (JSON)")
HINT = gettext_lazy("Every field of every contact, for developers and backups.")
SOURCE = "raw"
MERGES = False
CONTENT_TYPE = "application/json"
FILE_SUFFIX = ".json"


def write(raw_texts: Iterable[str]) -> Iterator[bytes]:
    def pieces() -> Iterator[str]:
        separator = "["
        for text in raw_texts:
            yield separator
            yield text
            separator = ","
        yield "[]" if separator == "[" else "]"

    return chunks(pieces())
