"""The archive page of a book: the upload form, what the join found, the largest companies."""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from enrichment import selectors
from enrichment.services.archive import ArchiveRefused, connections_text
from enrichment.services.carrying import archive_carry
from enrichment.services.connections_csv import connection_rows
from enrichment.services.storing import archive_join
from enrichment.uploads import BoundedMemoryUpload
from exports import selectors as export_selectors
from exports.models import ExportTask

FIELD = "archive"


@csrf_exempt  # only to set the upload handler first: the CSRF check is the inner view's
@require_http_methods(["GET", "POST"])
@login_required
def archive_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # The CSRF check reads the form, which reads the file: the handler must be set before.
    handler = BoundedMemoryUpload(request)
    request.upload_handlers = [handler]
    return _archive_page(request, public_id, handler)


@csrf_protect
def _archive_page(request: HttpRequest, public_id: UUID, handler) -> HttpResponse:
    task = export_selectors.export_get_for_owner(user=request.user, public_id=public_id)
    if task.status != ExportTask.Status.SUCCEEDED or task.is_expired():
        return redirect("export_detail", public_id=task.public_id)
    if request.method == "POST":
        error = _upload(request, task, handler)
        if error is None:
            return redirect(reverse("enrichment_archive", args=[task.public_id]) + "#result")
        messages.error(request, error)
        status = 400
    else:
        status = 200
    archive = selectors.archive_latest(task=task)
    if archive is None and request.method == "GET":
        # Before the worker does: the member's earlier archive joined to this book.
        archive = archive_carry(task=task, now=timezone.now())
    context = {
        "task": task,
        "archive": archive,
        "companies": selectors.largest_companies(task=task) if archive else [],
        "unmatched": selectors.connections_unmatched(archive=archive) if archive else [],
        "sample_url": _sample_url(request),
        "max_megabytes": settings.ENRICHMENT_MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, "enrichment/archive.html", context, status=status)


def _upload(request: HttpRequest, task: ExportTask, handler: BoundedMemoryUpload) -> str | None:
    """Read, join and store the uploaded file; return a message for the member if refused."""
    upload = request.FILES.get(FIELD)
    if handler.too_large:
        return "This file is too large to be LinkedIn's archive or Connections.csv."
    if upload is None or not upload.size:
        return "Choose your LinkedIn data archive (.zip) or Connections.csv first."
    try:
        text = connections_text(upload.read())
        rows = connection_rows(text.text)
        if not rows:
            raise ArchiveRefused("This Connections.csv has no connections in it.")
        archive = archive_join(task=task, rows=rows, file_kind=text.file_kind)
    except ArchiveRefused as refused:
        return f"Nothing was changed. {refused}"
    messages.success(
        request,
        f"{archive.matched:,} of {archive.connection_count:,} connections were added to your"
        " contacts.",
    )
    return None


def _sample_url(request: HttpRequest) -> str:
    """The demo archive's address (the sandbox's, under `make run`), or "" in production."""
    template = settings.ENRICHMENT_SAMPLE_ARCHIVE_URL
    account = getattr(request.user, "linkedin_account", None)
    if not template or account is None:
        return ""
    return template.replace("{sub}", quote(account.sub, safe=""))
