"""The archive page of a book: the upload form, the join's progress, what it found, the
largest companies and each company's contacts.

The page only reads: the upload parses the file and queues its rows, and the worker joins
them (`services/joining.py`), as it carries an earlier archive to a new book
(`services/carrying.py`); the page shows either under way and polls until it is done.
"""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from contactsapp import linkedin_auth
from enrichment import selectors
from enrichment.services.archive import ArchiveRefused, connections_text
from enrichment.services.connections_csv import connection_rows
from enrichment.services.joining import archive_queue, snapshot_queue
from enrichment.uploads import BoundedMemoryUpload
from exports import selectors as export_selectors
from exports.models import ExportTask

FIELD = "archive"
# The book a Member Data Portability consent was asked for, until LinkedIn answers.
PORTABILITY_TASK = "enrichment_portability_task"


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
    task, instead = _held_book(request, public_id)
    if instead is not None:
        return instead
    status = 200
    if request.method == "POST":
        error = _upload(request, task, handler)
        if error is None:
            return redirect(reverse("enrichment_archive", args=[task.public_id]) + "#result")
        messages.error(request, error)
        status = 400
    context = {
        **_panel(task),
        "portability_offered": linkedin_auth.portability_configured(),
        "sample_url": _sample_url(request),
        "max_megabytes": settings.ENRICHMENT_MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, "enrichment/archive.html", context, status=status)


@require_GET
@login_required
def archive_status(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The join's panel alone, polled by htmx while a join is queued or under way."""
    task, instead = _held_book(request, public_id)
    if instead is not None:
        return instead
    context = _panel(task)
    response = render(request, "enrichment/archive.html#panel", context)
    if request.htmx and not context["pending"]:
        # Done or failed: more of the page than the panel changes (the upload's heading, the
        # upload's message), so htmx reloads it once; a finished panel no longer polls.
        response["HX-Refresh"] = "true"
    return response


@require_GET
@login_required
def portability_start(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Send the member to LinkedIn's consent for the Member Data Portability application.

    A link, as signing in is: the page's CSP (`form-action 'self'`) stops a form whose answer
    redirects to LinkedIn, and what this writes (the book asked for, in the session) changes
    nothing until the callback, which authlib's `state` ties to this session.
    """
    task, instead = _held_book(request, public_id)
    if instead is not None:
        return instead
    if not linkedin_auth.portability_configured():
        raise Http404("Not offered here.")
    request.session[PORTABILITY_TASK] = str(task.public_id)
    try:
        return linkedin_auth.portability_redirect(
            request, redirect_uri=request.build_absolute_uri(reverse("portability_callback"))
        )
    except linkedin_auth.SignInError as error:
        messages.error(request, error.message)
        return redirect("enrichment_archive", public_id=task.public_id)


@require_GET
@login_required
def portability_callback(request: HttpRequest) -> HttpResponse:
    """LinkedIn's answer to that consent: the snapshot's reading and join queued."""
    if not linkedin_auth.portability_configured():
        raise Http404("Not offered here.")
    public_id = request.session.pop(PORTABILITY_TASK, None)
    if public_id is None:
        return redirect("home")
    task, instead = _held_book(request, UUID(public_id))
    if instead is not None:
        return instead
    try:
        access_token = linkedin_auth.portability_token(request)
        snapshot_queue(task=task, access_token=access_token)
    except (linkedin_auth.SignInError, ArchiveRefused) as error:
        messages.error(request, getattr(error, "message", None) or str(error))
    else:
        messages.success(
            request, _("LinkedIn gave the permission: your connections are being fetched.")
        )
    return redirect(reverse("enrichment_archive", args=[task.public_id]) + "#result")


@require_GET
@login_required
def company_page(request: HttpRequest, public_id: UUID, company_id: int) -> HttpResponse:
    """The book's contacts at one company ("who do I know at…"), a range of company ranks."""
    task, instead = _held_book(request, public_id)
    if instead is not None:
        return instead
    archive = selectors.archive_latest(task=task)
    if archive is None:
        return redirect("enrichment_archive", public_id=task.public_id)
    company = selectors.company_get(archive=archive, company_id=company_id)
    page = selectors.company_contacts_page(
        task=task,
        company=company,
        page_number=request.GET.get("page"),
        per_page=settings.CONTACTS_PER_PAGE,
    )
    context = {"task": task, "company": company, "page": page}
    return render(request, "enrichment/company.html", context)


def _held_book(request: HttpRequest, public_id: UUID) -> tuple[ExportTask, HttpResponse | None]:
    """The member's book (404 for anyone else's), or where to go instead when not held."""
    task = export_selectors.export_get_for_owner(user=request.user, public_id=public_id)
    if task.status != ExportTask.Status.SUCCEEDED or task.is_expired():
        return task, redirect("export_detail", public_id=task.public_id)
    return task, None


def _panel(task: ExportTask) -> dict:
    """What the join's panel shows: a join or carry under way, or the joined archive."""
    job = selectors.job_latest(task=task)
    archive = selectors.archive_latest(task=task)
    if job is not None and archive is not None and job.archive_id == archive.pk:
        job = None  # the archive shown is that job's: nothing else to say about it
    pending = (job is not None and job.is_pending) or (
        archive is None and selectors.carry_pending(task=task)
    )
    return {
        "task": task,
        "job": job,
        "archive": archive,
        "pending": pending,
        "carrying": pending and (job is None or not job.is_pending),
        "companies": selectors.largest_companies(archive=archive) if archive else [],
        "unmatched": selectors.connections_unmatched(archive=archive) if archive else [],
    }


def _upload(request: HttpRequest, task: ExportTask, handler: BoundedMemoryUpload) -> str | None:
    """Read and parse the uploaded file and queue its join; return a message if refused."""
    upload = request.FILES.get(FIELD)
    if handler.too_large:
        return _("This file is too large to be LinkedIn's archive or Connections.csv.")
    if upload is None or not upload.size:
        return _("Choose your LinkedIn data archive (.zip) or Connections.csv first.")
    try:
        text = connections_text(upload.read())
        rows = connection_rows(text.text)
        if not rows:
            raise ArchiveRefused(_("This Connections.csv has no connections in it."))
        job = archive_queue(task=task, rows=rows, file_kind=text.file_kind)
    except ArchiveRefused as refused:
        return _("Nothing was changed. %(reason)s") % {"reason": refused}
    count = job.connection_count
    messages.success(
        request,
        ngettext(
            "%(count)s connection read: it is being added to your contacts.",
            "%(count)s connections read: they are being added to your contacts.",
            count,
        )
        % {"count": f"{count:,}"},
    )
    return None


def _sample_url(request: HttpRequest) -> str:
    """The demo archive's address (the sandbox's, under `make run`), or "" in production."""
    template = settings.ENRICHMENT_SAMPLE_ARCHIVE_URL
    account = getattr(request.user, "linkedin_account", None)
    if not template or account is None:
        return ""
    return template.replace("{sub}", quote(account.sub, safe=""))
