"""The uploaded file read safely: LinkedIn's ZIP or `Connections.csv` alone, as text.

Everything happens in memory (the upload handler keeps the file in memory and refuses it
past `ENRICHMENT_MAX_UPLOAD_BYTES`, see `enrichment/uploads.py`); from a ZIP only the one
member `Connections.csv` is read, never extracted, and read in bounded pieces whatever its
header claims, so a decompression bomb stops at the limit. Nothing is written to disk.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

MEMBER_NAME = "connections.csv"
# A real Connections.csv compresses about 3 to 6 times; a bomb by thousands.
MAX_RATIO = 100
# LinkedIn's full archive holds a few dozen files; a ZIP of more is not LinkedIn's.
MAX_MEMBERS = 10_000
_READ_PIECE = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class ArchiveRefused(Exception):
    """The file is not one we can read; `str()` is a message for the member."""


@dataclass(frozen=True)
class ArchiveText:
    text: str
    file_kind: str  # "zip" or "csv"


def connections_text(data: bytes) -> ArchiveText:
    """Return the text of `Connections.csv` from an uploaded ZIP or CSV (UTF-8, BOM kept).

    Raise `ArchiveRefused` with a message for the member when it is neither, too large,
    or a ZIP without it.
    """
    limit = settings.ENRICHMENT_MAX_CSV_BYTES
    if data.startswith(ZIP_MAGIC):
        return ArchiveText(_decoded(_member_bytes(data, limit=limit)), "zip")
    if len(data) > limit:
        raise ArchiveRefused(
            _("This file is larger than %(size)s: not Connections.csv.")
            % {"size": _megabytes(limit)}
        )
    return ArchiveText(_decoded(data), "csv")


def _member_bytes(data: bytes, *, limit: int) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ArchiveRefused(_("This ZIP holds too many files to be LinkedIn's archive."))
            found = [info for info in infos if _is_connections(info.filename)]
            if not found:
                raise ArchiveRefused(
                    _(
                        "This ZIP has no Connections.csv. Request LinkedIn's archive with"
                        " “Connections” ticked, or upload Connections.csv alone."
                    )
                )
            if len(found) > 1:
                raise ArchiveRefused(_("This ZIP holds more than one Connections.csv."))
            info = found[0]
            if info.flag_bits & 0x1:
                raise ArchiveRefused(
                    _("This ZIP is password-protected: upload it as LinkedIn sent it.")
                )
            if info.file_size > limit:
                raise ArchiveRefused(
                    _("Connections.csv is larger than %(size)s.") % {"size": _megabytes(limit)}
                )
            if info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ArchiveRefused(_("This ZIP expands far more than a CSV does: refused."))
            return _read_bounded(archive, info, limit=limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as error:
        raise ArchiveRefused(_("This file says it is a ZIP but cannot be read as one.")) from error


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int) -> bytes:
    """Read the member in pieces, stopping past `limit` or `MAX_RATIO` whatever the header
    said (a forged header can claim a small size).
    """
    bound = min(limit, MAX_RATIO * max(info.compress_size, 1))
    pieces, size = [], 0
    with archive.open(info) as member:
        while piece := member.read(_READ_PIECE):
            size += len(piece)
            if size > bound:
                raise ArchiveRefused(_("Connections.csv expands beyond what a CSV does: refused."))
            pieces.append(piece)
    return b"".join(pieces)


def _is_connections(filename: str) -> bool:
    # At the root or in a folder (some unzip-and-rezip tools add one); compared, never opened
    # as a path.
    return filename.replace("\\", "/").rsplit("/", 1)[-1].casefold() == MEMBER_NAME


def _decoded(data: bytes) -> str:
    if b"\x00" in data:
        raise ArchiveRefused(_("This is not a CSV file (it holds binary data)."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArchiveRefused(
            _("This is not LinkedIn's Connections.csv: it is not UTF-8 text.")
        ) from error


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"
