from django import template

from enrichment.selectors import archive_latest, job_latest

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
