from django import template

from enrichment.selectors import archive_latest

register = template.Library()


@register.simple_tag
def book_archive(task):
    """The archive joined to `task`'s book, or None: the export page's offer says which."""
    return archive_latest(task=task)
