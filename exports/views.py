from __future__ import annotations

from types import ModuleType
from urllib.parse import quote
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exports import downloads, duplicates, selectors, services
from exports.collation import order_text
from exports.downloads import feeds
from exports.models import ExportTask
from exports.spacing import duration_text as _duration
from exports.templatetags.moments import moment_text


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "exports/landing.html")
    exports = selectors.exports_for_owner(user=request.user)[:20]
    return render(
        request,
        "exports/home.html",
        {"exports": exports, "keep": settings.EXPORT_KEEP_PER_MEMBER},
    )


@require_GET
@login_required
def export_row(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One export's row of the home page, polled by htmx while LinkedIn generates it."""
    task = _polled_task(request, public_id)
    if _unchanged(request, task):
        return _nothing_new()
    if task.is_finished:
        task = selectors.export_get_for_owner(user=request.user, public_id=public_id)
    return render(request, "exports/home.html#export-row", {"task": task})


@require_POST
@login_required
def export_create(request: HttpRequest) -> HttpResponse:
    # No "started" message: the export's own panel says what is happening, and a flash
    # would outlive the state it described.
    try:
        task, _started = services.export_start(
            user=request.user, language=translation.get_language()
        )
    except services.SignInRequired:
        messages.info(request, _("Your LinkedIn sign-in has expired. Sign in again to export."))
        return redirect(f"{reverse('login')}?{urlencode({'next': reverse('home')})}")
    except services.ExportTooSoon as too_soon:
        # The home page shows this beside its button, counting down (tag: export-spacing).
        messages.warning(
            request,
            _(
                "You started an export less than %(spacing)s ago. To spare LinkedIn's limits, "
                "exports are spaced: you can start the next one in %(wait)s."
            )
            % {
                "spacing": _duration(settings.EXPORT_MIN_SPACING),
                "wait": _duration(too_soon.wait_seconds),
            },
            extra_tags="export-spacing",
        )
        return redirect("home")
    return redirect(task_url(task))


@require_http_methods(["GET", "POST"])
@login_required
def export_delete(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Ask to confirm (GET), then delete the export and everything stored for it (POST)."""
    task = selectors.export_get_for_owner(user=request.user, public_id=public_id)
    if request.method == "GET":
        return render(request, "exports/delete.html", {"task": task})
    services.export_delete(task=task)
    when = moment_text(task.requested_at)
    if task.status == ExportTask.Status.FAILED:  # it held no address book
        messages.success(
            request, _("The failed export you requested on %(when)s is removed.") % {"when": when}
        )
    else:
        messages.success(
            request,
            _(
                "The address book you requested on %(when)s is deleted, "
                "with everything we stored for it."
            )
            % {"when": when},
        )
    return redirect("home")


@require_http_methods(["GET", "POST"])
@login_required
def member_data_delete(request: HttpRequest) -> HttpResponse:
    """Ask to confirm (GET), then delete everything held about the member (POST)."""
    if request.method == "GET":
        exports = selectors.exports_for_owner(user=request.user)
        return render(request, "exports/delete_all.html", {"export_count": exports.count()})
    user = request.user
    logout(request)
    services.member_data_delete(user=user)
    messages.success(
        request,
        _(
            "Everything we held about you is deleted: your address books, your LinkedIn "
            "sign-in and your account here. You are signed out."
        ),
    )
    return redirect("home")


@require_GET
@login_required
def export_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    task = _current_task(request, public_id)
    if task.is_expired():
        return _expired(request, task)
    context = {"task": task, "now": timezone.now()}
    if task.status == ExportTask.Status.SUCCEEDED:
        if request.htmx and request.htmx.target == "contacts":
            context.update(_contacts_page(request, task), download_formats=_download_formats(task))
            return render(request, "exports/detail.html#contacts", context)
        context.update(_results(request, task))
    return render(request, "exports/detail.html", context)


@require_GET
@login_required
def export_status(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The status panel alone, polled by htmx while the export is generated."""
    task = _polled_task(request, public_id)
    if task.is_expired():
        return _expired(request, task, partial=True)
    if _unchanged(request, task):
        return _nothing_new()
    if task.is_finished:
        task = selectors.export_get_for_owner(user=request.user, public_id=public_id)
    context = {"task": task, "now": timezone.now()}
    if task.status == ExportTask.Status.SUCCEEDED:
        # Finished: answer the results in place of the panel; they carry no trigger, so
        # htmx stops polling.
        context.update(_results(request, task))
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
    task, instead = _stored_book(request, public_id)
    if instead is not None:
        return instead
    merged = writer.MERGES and request.GET.get("merged") == "1"
    body = feeds.file_body(writer, task=task, query=_query(request), merged=merged)
    suffix = writer.FILE_SUFFIX.replace(".", "-merged.", 1) if merged else writer.FILE_SUFFIX
    response = StreamingHttpResponse(body, content_type=writer.CONTENT_TYPE)
    filename = f"linkedin-contacts-{_file_date(task)}{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@login_required
def contacts_csv(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The first download address, kept working: plain CSV, or `variant=excel`."""
    format_key = "excel" if request.GET.get("variant") == "excel" else "csv"
    return contacts_download(request, public_id, format_key)


@require_GET
@login_required
def export_duplicates(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The contacts listed more than once, person by person."""
    task, instead = _stored_book(request, public_id)
    if instead is not None:
        return instead
    page = duplicates.duplicates_page(
        task=task, page_number=request.GET.get("page"), per_page=settings.CONTACTS_PER_PAGE
    )
    listings = duplicates.page_listings(page)
    context = {"task": task, "page": page, "listings": listings}
    return render(request, "exports/duplicates.html", context)


def _stored_book(request: HttpRequest, public_id: UUID) -> tuple[ExportTask, HttpResponse | None]:
    """The owner's export, and what to answer instead of its contacts if they are not
    there: gone past its expiry (410), or not ready yet (its own page says why).
    """
    task = selectors.export_get_for_owner(user=request.user, public_id=public_id)
    if task.is_expired():
        return task, _expired(request, task)
    if task.status != ExportTask.Status.SUCCEEDED:
        return task, redirect(task_url(task))
    return task, None


def task_url(task: ExportTask) -> str:
    return reverse("export_detail", args=[task.public_id])


def _current_task(request: HttpRequest, public_id: UUID) -> ExportTask:
    return _refreshed(selectors.export_get_for_owner(user=request.user, public_id=public_id))


def _polled_task(request: HttpRequest, public_id: UUID) -> ExportTask:
    """The export as a poll needs it: only the fields its panel and row show, refreshed."""
    return _refreshed(selectors.export_progress_get(user=request.user, public_id=public_id))


def _refreshed(task: ExportTask) -> ExportTask:
    was_finished = task.is_finished
    try:
        task = services.export_refresh(task=task)
        if task.is_finished and not was_finished:
            # Finished by this very refresh: what was read with the task (its comparison
            # with the previous export) was read before the ingest wrote it.
            task.refresh_from_db()
    except ExportTask.DoesNotExist as error:
        raise Http404("No such export.") from error  # deleted while we refreshed it
    return task


def _unchanged(request: HttpRequest, task: ExportTask) -> bool:
    """True if the poller already shows what it would be sent: the task is still in
    progress and the key its panel sent back (`shown`) is the task's current one."""
    return not task.is_finished and request.GET.get("shown") == task.progress_key


def _nothing_new() -> HttpResponse:
    # htmx swaps nothing for a 204 and keeps polling (see the htmx-config in _base.html).
    return HttpResponse(status=204)


def _expired(request: HttpRequest, task: ExportTask, *, partial: bool = False) -> HttpResponse:
    template = "exports/detail.html#expired" if partial else "exports/expired.html"
    return render(request, template, {"task": task}, status=410)


def _contacts_page(request: HttpRequest, task: ExportTask) -> dict:
    query = _query(request)
    sort = request.GET.get("sort", "")
    sort = sort if sort in selectors.CONTACT_SORTS else ""
    page = selectors.contacts_page(
        task=task,
        query=query,
        sort=sort,
        page_number=request.GET.get("page"),
        per_page=settings.CONTACTS_PER_PAGE,
    )
    # First, last and two either side of this one: any page is two clicks or a "go to" away.
    page_range = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))

    def href(number: int) -> str:
        # Built here, not by an include per link: a page has a dozen links.
        return _page_href(query=query, sort=sort, page_number=number)

    return {
        "page": page,
        # (number, its link); a gap in the range has no link.
        "page_links": [
            (number, href(number) if isinstance(number, int) else "") for number in page_range
        ],
        "previous_href": href(page.previous_page_number()) if page.has_previous() else "",
        "next_href": href(page.next_page_number()) if page.has_next() else "",
        "query": query,
        "sort": sort,
        # Which alphabetical order the sorts follow: the member's language when it was stored.
        "sort_order": order_text(task.collation) if sort else "",
    }


def _query(request: HttpRequest) -> str:
    """The search of the contacts' page and of "download what I see"."""
    return request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH]


def _page_href(*, query: str, sort: str, page_number: int) -> str:
    """Return the link to a page of the contacts, keeping the search and the sort."""
    parts = [f"q={quote(query, safe='/')}"] if query else []
    if sort:
        parts.append(f"sort={quote(sort, safe='/')}")
    parts.append(f"page={page_number}")
    return "?" + "&".join(parts)


def _results(request: HttpRequest, task: ExportTask) -> dict:
    """What the results panel shows: a page of contacts, the download menu, the changes."""
    return {
        **_contacts_page(request, task),
        "download_formats": _download_formats(task),
        "changes": selectors.export_changes(task=task),
    }


def _download_formats(task: ExportTask) -> list[tuple[str, ModuleType, str]]:
    """The download menu: each format's key, writer module and address, in the menu's order.

    Addresses reversed here once, not by a `{% url %}` per link (up to three per format).
    """
    return [
        (key, downloads.FORMATS[key], reverse("contacts_download", args=[task.public_id, key]))
        for key in downloads.MENU
    ]


def _file_date(task: ExportTask) -> str:
    return timezone.localdate(task.finished_at or task.requested_at).isoformat()
