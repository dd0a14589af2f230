"""enrichment/services/archive.py: the upload read safely, ZIP or CSV; hostile files."""

import zipfile

import pytest

from enrichment.services.archive import ArchiveRefused, connections_text
from tests.enrichment.archives import connection, zipped
from tests.enrichment.archives import connections_text as csv_text

CSV = csv_text([connection("Ada", "Lovelace")]).encode()


def test_a_csv_alone_is_read_as_text_with_its_bom():
    read = connections_text(CSV)
    assert read.file_kind == "csv" and read.text.startswith("\ufeffNotes:")


def test_only_connections_csv_is_read_out_of_linkedins_zip():
    data = zipped({"Profile.csv": b"x", "Basic/Connections.csv": CSV, "Messages.csv": b"\x00"})
    read = connections_text(data)
    assert read.file_kind == "zip" and "Lovelace" in read.text


def test_a_zip_without_connections_csv_says_so():
    with pytest.raises(ArchiveRefused, match=r"no Connections\.csv"):
        connections_text(zipped({"Profile.csv": b"First Name\r\nAda\r\n"}))


def test_a_decompression_bomb_is_refused_before_it_is_expanded():
    bomb = zipped({"Connections.csv": b"a" * 5_000_000})  # under the size limit
    assert len(bomb) < 100_000
    with pytest.raises(ArchiveRefused, match="expands far more"):
        connections_text(bomb)


def test_a_bomb_with_a_forged_small_size_stops_at_the_ratio():
    data = bytearray(zipped({"Connections.csv": b"a" * 5_000_000}))
    # Forge the central directory's uncompressed size (offset 24 of its entry) to 10 bytes.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ArchiveRefused):
        connections_text(bytes(data))


def test_a_member_larger_than_the_limit_is_refused(settings):
    settings.ENRICHMENT_MAX_CSV_BYTES = 1000
    with pytest.raises(ArchiveRefused, match="larger than"):
        connections_text(zipped({"Connections.csv": CSV * 20}, compression=zipfile.ZIP_STORED))


def test_a_100_megabyte_csv_is_refused_by_its_size():
    with pytest.raises(ArchiveRefused, match="larger than 20 MB"):
        connections_text(b"a" * 100_000_000)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n\x00\x01binary", "binary data"),
        ("Connections in Latin-1: Müller".encode("latin-1"), "not UTF-8"),
        (b"PK\x03\x04truncated, not a zip", "cannot be read as one"),
    ],
)
def test_a_file_that_is_not_what_it_claims(data, message):
    with pytest.raises(ArchiveRefused, match=message):
        connections_text(data)


def test_an_encrypted_member_is_refused():
    data = bytearray(zipped({"Connections.csv": CSV}, compression=zipfile.ZIP_STORED))
    for marker in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.index(marker)
        flag_offset = at + (6 if marker == b"PK\x03\x04" else 8)
        data[flag_offset] |= 0x1
    with pytest.raises(ArchiveRefused, match="password-protected"):
        connections_text(bytes(data))
