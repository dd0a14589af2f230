from django import template

from enrichment.selectors import (
    CHANGES_SHOWN,
    archive_latest,
    companies_changed,
    company_changes,
    job_latest,
)

register = template.Library()


@register.simple_tag
def book_archive(task):
    """The archive joined to `task`'s book, or None: the export page's offer says which."""
    return archive_latest(task=task)


@register.simple_tag
def book_join_pending(task):
    """True while an uploaded archive waits for, or is in, the worker's join."""
    job = job_latest(task=task)
    return job is not None and job.is_pending


@register.simple_tag
def book_company_changes(task, archive):
    """The first contacts whose company or position `archive` (the book's) changed, for
    the changes panel, and how many it changed in all.
    """
    return {
        "shown": list(companies_changed(task=task, limit=CHANGES_SHOWN)),
        "count": company_changes(archive=archive).count(),
    }


@register.simple_tag
def book_archive_changes(task):
    """The archive's (changed company, changed position) counts, or None without one."""
    archive = archive_latest(task=task)
    if archive is None or not (archive.changed_company or archive.changed_title):
        return None
    return archive
