"""Paging of lists whose size is already known: no COUNT query, no OFFSET.

Ingest stores how many contacts a book has, how many are listed twice, and each contact's
place in every sort. A page of such a list is then a range of stored ranks, and its count
is a field of the task: counting or skipping rows per request would read the whole book.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property


class KnownCountPaginator(Paginator):
    """A `Paginator` told its `count`; a subclass fetches a page by `window`.

    `count_is_exact` is False for a count that stopped at a bound ("1,000+").
    """

    count_is_exact = True

    def __init__(self, object_list: Any, per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count

    def page(self, number: str | int) -> Page:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = self.window(start, min(start + self.per_page, self.count))
        return self._get_page(rows, number, self)

    def window(self, start: int, stop: int) -> Sequence:
        """Return the items from index `start` to `stop`; by default a slice of the list."""
        return self.object_list[start:stop]
