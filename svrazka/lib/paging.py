"""Pages of a list without counting a million rows: fetch one row more than shown to know if
there is a next page, and count only up to a cap."""

from dataclasses import dataclass
from typing import Protocol

from django.db.models import QuerySet

# Counting stops here: beyond it a list says "more than 1,000" (bench/README.md: finding the
# 10,001st match was most of a filtered list's time on a million people).
COUNT_CAP = 1_000


class Listing(Protocol):
    """A list that is not a QuerySet but reads like one (contacts.selectors.ContactSearch)."""

    def __getitem__(self, window: slice) -> list: ...

    def count_up_to(self, limit: int) -> int: ...


def count_up_to(qs: QuerySet | Listing, limit: int) -> int:
    """How many rows a list has, counting no further than ``limit``."""
    if isinstance(qs, QuerySet):
        return qs.order_by().values("pk")[:limit].count()
    return qs.count_up_to(limit)


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    has_next: bool
    count: int
    count_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1 if self.items else 0

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


def paginate(qs: QuerySet | Listing, number: int | None, per_page: int) -> Page:
    number = max(1, number or 1)
    offset = (number - 1) * per_page
    rows = list(qs[offset : offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if not has_next and (rows or number == 1):
        count, capped = offset + len(rows), False
    else:
        count = count_up_to(qs, COUNT_CAP + 1)
        capped = count > COUNT_CAP
        count = min(count, COUNT_CAP)
    return Page(rows, number, per_page, has_next, count, capped)
