from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from exports import downloads, selectors, services
from exports.models import ExportTask


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "exports/landing.html")
    exports = selectors.exports_for_owner(user=request.user)[:20]
    return render(request, "exports/home.html", {"exports": exports})


@require_POST
@login_required
def export_create(request: HttpRequest) -> HttpResponse:
    try:
        task, started = services.export_start(user=request.user)
    except services.SignInRequired:
        messages.info(request, "Your LinkedIn sign-in has expired. Sign in again to export.")
        return redirect(f"{reverse('login')}?{urlencode({'next': reverse('home')})}")
    if started:
        messages.success(request, "Export started: LinkedIn is preparing your address book.")
    else:
        messages.info(request, "You already have an export in progress; here it is.")
    return redirect(task_url(task))


@require_GET
@login_required
def export_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    task = _current_task(request, public_id)
    if task.is_expired():
        return _expired(request, task)
    context = {"task": task, "now": timezone.now()}
    if task.status == ExportTask.Status.SUCCEEDED:
        context.update(_contacts_page(request, task))
        context["download_formats"] = _download_formats()
        if request.htmx and request.htmx.target == "contacts":
            return render(request, "exports/detail.html#contacts", context)
        context["changes"] = selectors.export_changes(task=task)
    return render(request, "exports/detail.html", context)


@require_GET
@login_required
def export_status(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The status panel alone, polled by htmx while the export is generated."""
    task = _current_task(request, public_id)
    if task.is_expired():
        return _expired(request, task, partial=True)
    context = {"task": task, "now": timezone.now()}
    if task.status == ExportTask.Status.SUCCEEDED:
        # Finished: answer the results in place of the panel; they carry no trigger, so
        # htmx stops polling.
        context.update(_contacts_page(request, task))
        context["download_formats"] = _download_formats()
        context["changes"] = selectors.export_changes(task=task)
        return render(request, "exports/detail.html#results", context)
    return render(request, "exports/detail.html#status-panel", context)


@require_GET
@login_required
def contacts_download(request: HttpRequest, public_id: UUID, format_key: str) -> HttpResponse:
    """Stream the address book in the format `format_key` names (see exports/downloads/).

    `q` narrows it to the contacts of a search ("download what I see"); `merged=1` writes
    one entry per person for the formats that merge.
    """
    writer = downloads.FORMATS.get(format_key)
    if writer is None:
        raise Http404("No such download.")
    query = request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH]
    merged = writer.MERGES and request.GET.get("merged") == "1"

    def body(task: ExportTask) -> Iterator[bytes]:
        if writer.SOURCE == "raw":
            return writer.write(selectors.download_raw(task=task, query=query))
        if writer.SOURCE == "changes":
            return writer.write(selectors.changes_rows(task=task))
        return writer.write(selectors.download_people(task=task, query=query, merged=merged))

    suffix = writer.FILE_SUFFIX
    if merged:
        suffix = suffix.replace(".", "-merged.", 1)
    return _download(request, public_id, body, writer.CONTENT_TYPE, suffix)


@require_GET
@login_required
def contacts_csv(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The first download address, kept working: plain CSV, or `variant=excel`."""
    format_key = "excel" if request.GET.get("variant") == "excel" else "csv"
    return contacts_download(request, public_id, format_key)


@require_GET
@login_required
def contacts_json(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return contacts_download(request, public_id, "json")


@require_GET
@login_required
def export_duplicates(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The contacts listed more than once, person by person."""
    task = selectors.export_get_for_owner(user=request.user, public_id=public_id)
    if task.is_expired():
        return _expired(request, task)
    if task.status != ExportTask.Status.SUCCEEDED:
        return redirect(task_url(task))
    page = selectors.duplicates_page(
        task=task, page_number=request.GET.get("page"), per_page=settings.CONTACTS_PER_PAGE
    )
    return render(request, "exports/duplicates.html", {"task": task, "page": page})


def _download(
    request: HttpRequest,
    public_id: UUID,
    body: Callable[[ExportTask], Iterator[bytes]],
    content_type: str,
    extension: str,
) -> HttpResponse:
    """Stream the owner's finished address book as an attachment named after its date."""
    task = selectors.export_get_for_owner(user=request.user, public_id=public_id)
    if task.is_expired():
        return _expired(request, task)
    if task.status != ExportTask.Status.SUCCEEDED:
        return redirect(task_url(task))
    response = StreamingHttpResponse(body(task), content_type=content_type)
    filename = f"linkedin-contacts-{_file_date(task)}{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def task_url(task: ExportTask) -> str:
    return reverse("export_detail", args=[task.public_id])


def _current_task(request: HttpRequest, public_id: UUID) -> ExportTask:
    task = selectors.export_get_for_owner(user=request.user, public_id=public_id)
    return services.export_refresh(task=task)


def _expired(request: HttpRequest, task: ExportTask, *, partial: bool = False) -> HttpResponse:
    template = "exports/detail.html#expired" if partial else "exports/expired.html"
    return render(request, template, {"task": task}, status=410)


def _contacts_page(request: HttpRequest, task: ExportTask) -> dict:
    query = request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH]
    sort = request.GET.get("sort", "")
    sort = sort if sort in selectors.CONTACT_SORTS else ""
    page = selectors.contacts_page(
        task=task,
        query=query,
        sort=sort,
        page_number=request.GET.get("page"),
        per_page=settings.CONTACTS_PER_PAGE,
    )
    return {"page": page, "query": query, "sort": sort}


def _download_formats() -> list[tuple[str, ModuleType]]:
    """The download menu: each format's key and writer module, in the menu's order."""
    return [(key, downloads.FORMATS[key]) for key in downloads.MENU]


def _file_date(task: ExportTask) -> str:
    return timezone.localdate(task.finished_at or task.requested_at).isoformat()
