"""The board's pages: a paginator whose count stops at BOARD_COUNT_LIMIT.

Counting every published posting, or every match of a common word, reads them all: at a
million postings that is the slowest part of a page. Job boards say "more than 1,000
jobs" instead, and so does this one: the count is `SELECT COUNT(*) FROM (SELECT … LIMIT
limit + 1)`, with no ORDER BY inside, so PostgreSQL stops after limit + 1 rows found any
way it likes (the board's partial index alone for the whole board, the GIN index for a
search). Only the pages up to the limit are offered; the visitor narrows the search to
reach older jobs.
"""

import math
from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, limit):
        super().__init__(object_list, per_page)
        self.limit = limit

    @cached_property
    def count(self):
        """The number of rows, or limit + 1 when there are more than `limit`."""
        return self.object_list.order_by()[: self.limit + 1].count()

    @property
    def capped(self):
        """Whether there are more rows than the count says."""
        return self.count > self.limit

    @cached_property
    def num_pages(self):
        """The pages offered: those up to the limit."""
        if self.capped:
            return math.ceil(self.limit / self.per_page)
        return super().num_pages
