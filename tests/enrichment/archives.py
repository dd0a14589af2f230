"""Files for the enrichment's tests: Connections.csv as LinkedIn writes it, ZIPs of it, and
the archive page's upload and the worker's round over HTTP."""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from urllib.parse import urlsplit

import requests

from contactsapp.linkedin_auth.portability import _portability_client as portability_client_cache
from enrichment.services.connections_csv import ConnectionRow, connection_rows
from exports.worker import poll_exports_step
from linkedin_sandbox.data_archive import HEADER, NOTES

BOM = "\ufeff"


def connections_text(rows: list[list[str]], *, notes: bool = True, bom: bool = True) -> str:
    out = io.StringIO()
    out.write((BOM if bom else "") + (NOTES if notes else ""))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def connection(first: str, last: str, *, email: str = "", url: str = "", company: str = "Acme",
               title: str = "Engineer", on: str = "06 Dec 2026") -> list[str]:  # fmt: skip
    return [first, last, url, email, company, title, on]


def rows_of(*rows: list[str]) -> list[ConnectionRow]:
    return connection_rows(connections_text(list(rows)))


def zipped(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def page_url(task) -> str:
    return f"/exports/{task.public_id}/company-and-position/"


def status_url(task) -> str:
    return f"/exports/{task.public_id}/company-and-position/status/"


def upload(client, task, data: bytes, name: str = "Basic_LinkedInDataExport.zip"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(page_url(task), {"archive": file})


def sandbox_archive(sandbox, member: str = "typical") -> bytes:
    sub = sandbox.member(member)["sub"]
    response = requests.get(f"{sandbox.url}/_sandbox/archive/{sub}.zip", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    return response.content


def worker_round() -> None:
    """One round of the export worker, which joins queued archives among its steps."""
    poll_exports_step(threading.Event())


def portability_configured(settings) -> None:
    """Offer "Fetch company and position from LinkedIn" with the sandbox's second app."""
    settings.LINKEDIN_PORTABILITY_CLIENT_ID = "contactsapp-portability"
    settings.LINKEDIN_PORTABILITY_CLIENT_SECRET = "portability-secret"
    portability_client_cache.cache_clear()


def portability_consent(client, sandbox, task, *, action: str = "allow"):
    """Press "Fetch…", consent on the sandbox's page; return the app's callback response."""
    response = client.get(f"/exports/{task.public_id}/company-and-position/fetch/")
    assert response.status_code == 302, response.content[:300]
    assert "r_dma_portability_3rd_party" in response["Location"]
    callback = sandbox.consent(response["Location"], member="typical", action=action)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")
