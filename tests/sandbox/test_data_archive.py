"""linkedin_sandbox/data_archive.py: each demo member's archive, consistent with their book."""

import io
import zipfile

from enrichment.services.connections_csv import connection_rows
from exports.matching import name_key
from linkedin_sandbox.data_archive import archive_zip
from linkedin_sandbox.members import address_book


def test_the_typical_archive_is_written_as_linkedin_writes_it():
    with zipfile.ZipFile(io.BytesIO(archive_zip("typical"))) as archive:
        text = archive.read("Connections.csv").decode()
    assert text.startswith("\ufeffNotes:\r\n")
    assert (
        "\r\n\r\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n" in text
    )
    assert text.endswith(",,,,,,\r\n\r\n")
    rows = connection_rows(text)
    book_names = {name_key(contact.get("name", "")) for contact in address_book("typical")}
    with_email = [row for row in rows if row.email]
    assert 0 < len(with_email) < len(rows) / 3  # most e-mails blank, as on LinkedIn
    assert all(row.connected_on for row in rows)
    assert sum(name_key(row.full_name) in book_names for row in rows) == len(rows) - 3
    shared = [row for row in rows if row.full_name == "Mary Shelley"]
    assert len(shared) == 2
    assert any("," in row.company for row in rows)  # quoted commas


def test_the_same_archive_every_time():
    assert archive_zip("changing") == archive_zip("changing")
