"""Keyset paging of the instance list: a page starts after (or ends before) a cursor.

A cursor is the sort key and the id of a row at the edge of a page. The next page asks the
database for the rows past that pair, which the sort's index answers by seeking to it and
reading 51 rows, however deep the page: no OFFSET counts its way past the rows before it.
Cursors are opaque in the URL (URL-safe base64 of JSON) and checked like any other input.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from instances.models import (
    CHANGED_ASC,
    CHANGED_DESC,
    CREATED_ASC,
    CREATED_DESC,
    NAME_KEY,
    STATE_RANK,
    Instance,
)

PAGE_SIZE = 50  # rows of a page unless the list asks for another of PAGE_SIZES
PAGE_SIZES = (25, 50, 100, 500)
# Rows of a sort's order a search with many matches walks, at most, looking for a page of
# PAGE_SIZE of them (FirstMatches), and in proportion for other sizes: matches one row in twenty
# or denser are found within them; matches that sit past them (or are sparser) are sorted instead.
SEARCH_WALK = 20 * PAGE_SIZE
CURSOR_MAX = 2000  # characters: a 255-character name, base64 of its UTF-8 and some JSON
_BIGINT = 2**63

# Each sort's key when ascending and when descending (they differ only for dates: see the
# sort keys in instances/models.py), and the Python type a cursor holds for it.
SORT_KEYS: dict[str, tuple[Any, Any, type]] = {
    "created": (CREATED_ASC, CREATED_DESC, datetime),
    "name": (NAME_KEY, NAME_KEY, str),
    "state": (STATE_RANK, STATE_RANK, int),
    "changed": (CHANGED_ASC, CHANGED_DESC, datetime),
}


class BadCursor(ValueError):
    """A cursor that is not one this page made (edited, truncated, or from another sort)."""


@dataclass(frozen=True)
class Cursor:
    key: datetime | str | int
    id_instance: int

    def encode(self) -> str:
        key = self.key.isoformat() if isinstance(self.key, datetime) else self.key
        raw = json.dumps([key, self.id_instance], ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: str) -> Cursor:
        """The cursor in `token` for `sort` (a SORT_CHOICES key); BadCursor if it is not one."""
        kind = SORT_KEYS[sort.lstrip("-")][2]
        try:
            if len(token) > CURSOR_MAX:
                raise BadCursor("too long")
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            key, id_instance = json.loads(raw.decode())
            if kind is datetime:
                key = datetime.fromisoformat(key)
                if key.tzinfo is None:
                    raise BadCursor("a date without its time zone")
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
            raise BadCursor(str(error)) from None
        # bool is an int to Python, never to a cursor.
        if not isinstance(key, datetime | str | int) or not isinstance(key, kind):
            raise BadCursor("a key of another sort")
        if isinstance(key, bool) or not _bigint(id_instance):
            raise BadCursor("not an id")
        if isinstance(key, int) and not _bigint(key):
            raise BadCursor("out of range")
        return cls(key, id_instance)


def _bigint(value: object) -> bool:
    """An int the database's bigint holds (and not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and -_BIGINT <= value < _BIGINT


class RowCompare(Func):
    """(a, b) > (c, d): one row comparison, which a b-tree index on (a, b) serves as a range.

    Spelled out as `a > c OR (a = c AND b > d)`, PostgreSQL would read the index from its start
    and filter, which is the OFFSET cost again.
    """

    output_field = BooleanField()

    def __init__(self, left: list[Any], operator: str, right: list[Any]) -> None:
        if operator not in {"<", ">"} or len(left) != len(right):
            raise ValueError("RowCompare compares two rows of one length with < or >")
        self.operator, self.width = operator, len(left)
        super().__init__(*left, *right)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"({left}) {self.operator} ({right})", params


class FirstMatches(Func):
    """The row is one of the first `size` + 1 rows of `walk` that are hits: one statement.

    `walk` is the first rows of the page's order (SEARCH_WALK for a page of PAGE_SIZE), each
    with `hit`: when they hold a page of hits, that is the page, read along the sort's index.
    Otherwise the matches sit far down the order (or are few), and `matches` (sorted, found by
    the search's trigram index) answers; its one-time condition keeps it from running when the
    walk was enough. Walking the index to the end instead reads every row before the matches,
    which the planner cannot foresee.
    """

    output_field = BooleanField()

    def __init__(self, walk: QuerySet[Any], matches: QuerySet[Any], *, size: int) -> None:
        super().__init__(F("id_instance"))
        self.wanted = size + 1
        self.walk = walk[: max(SEARCH_WALK * size // PAGE_SIZE, self.wanted)]
        # A condition on no row: PostgreSQL tests it once, before reading any match.
        fell_short = RawSQL(
            "(SELECT count(*) FROM walk) < %s", [self.wanted], output_field=BooleanField()
        )
        self.matches = matches.filter(fell_short)[: self.wanted]

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        pk_sql, pk_params = compiler.compile(self.get_source_expressions()[0])
        walk_sql, walk_params = self.walk.query.get_compiler(connection=connection).as_sql()
        matches_query = self.matches.query.get_compiler(connection=connection)
        matches_sql, matches_params = matches_query.as_sql()
        # Both parts are Django's own compiled SQL; every value in them is a parameter.
        ids = _FIRST_MATCHES.format(walk=walk_sql, matches=matches_sql, n=self.wanted)
        # PostgreSQL reads the ids once (an InitPlan) and then each row by its key; as
        # `IN (...)` it may scan the table to hash-join a few ids (it did at 10,000 rows).
        among = (
            "{pk} = ANY(ARRAY({ids}))" if connection.vendor == "postgresql" else "{pk} IN ({ids})"
        )
        return among.format(pk=pk_sql, ids=ids), [*pk_params, *walk_params, *matches_params]


# The walk's hits, and only when they are fewer than a page, the sorted matches too (the
# walk's few are among them; a row is one of them or not, however often listed).
_FIRST_MATCHES = (
    "WITH walk AS (SELECT w.id_instance FROM ({walk}) w WHERE w.hit LIMIT {n}) "
    "SELECT id_instance FROM walk UNION ALL SELECT m.id_instance FROM ({matches}) m"
)


@dataclass(frozen=True)
class KeysetPage:
    """One page of rows, whether there are rows before and after it, and the cursors to them."""

    rows: Sequence[Instance]
    has_previous: bool
    has_next: bool
    sort: str

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_cursor(self) -> str:
        return self._edge(self.rows[0]) if self.rows else ""

    @property
    def next_cursor(self) -> str:
        return self._edge(self.rows[-1]) if self.rows else ""

    @staticmethod
    def _edge(row: Instance) -> str:
        return Cursor(row.sort_key, row.id_instance).encode()  # type: ignore[attr-defined]


def sort_key(sort: str) -> tuple[Expression, bool]:
    """The key expression of `sort` and whether it runs descending."""
    descending = sort.startswith("-")
    ascending_key, descending_key, _kind = SORT_KEYS[sort.lstrip("-")]
    return (descending_key if descending else ascending_key), descending


class IdAmong(Func):
    """The row's id is one of `ids`: on PostgreSQL one array parameter, not one per id.

    A search's matches come back by the hundred; as `IN (%s, %s, ...)` each id is a
    parameter Django prepares on its own, a millisecond per few hundred.
    """

    output_field = BooleanField()

    def __init__(self, ids: list[int]) -> None:
        super().__init__(F("id_instance"))
        self.ids = ids

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        if not self.ids:
            raise EmptyResultSet  # no rows, and no query: as for `pk__in=[]`
        pk_sql, pk_params = compiler.compile(self.get_source_expressions()[0])
        if connection.vendor == "postgresql":
            return f"{pk_sql} = ANY(%s)", [*pk_params, self.ids]
        return f"{pk_sql} IN ({', '.join(['%s'] * len(self.ids))})", [*pk_params, *self.ids]


@dataclass(frozen=True)
class Walk:
    """A search's many matches, `rows` that are also `hit`, and how to find a page of them.

    keyset_page walks `rows` in the sort's order, at most SEARCH_WALK of them, and keeps
    those that are `hit` (FirstMatches). `rows` holds only conditions the sort's index keeps
    in range (a reseller's own index), so each row walked is one index entry read whatever
    the filters: they go in `hit`, with the search.
    """

    rows: QuerySet[Instance]
    hit: Q


@dataclass(frozen=True)
class Offset:
    """A page addressed by its number: `take` rows after `skip` rows from the start of the
    order, or from its end when `from_end` (read backwards, so a late page of a long list costs
    what an early one does). Skipping is an OFFSET: it reads the rows it skips."""

    skip: int
    take: int
    from_end: bool = False


def page_offset(number: int, *, size: int, total: int | None) -> Offset:
    """Where page `number` (from 1) of `size` rows starts, from the nearer end when `total`
    (exact) is known; page `number` must then be one of its pages."""
    start = (number - 1) * size
    if total is None:
        return Offset(start, size)
    end = min(start + size, total)
    if total - end < start:
        return Offset(total - end, end - start, from_end=True)
    return Offset(start, size)


def keyset_page(
    rows: QuerySet[Instance],
    *,
    sort: str,
    after: Cursor | None,
    before: Cursor | None,
    size: int = PAGE_SIZE,
    offset: Offset | None = None,
    by_index: bool = True,
    walk: Walk | None = None,
) -> KeysetPage:
    """The page of `rows` in `sort` order after `after`, or else before `before`, or at
    `offset` (then the cursors are ignored), or the first.

    `by_index=False` orders by a copy of the key that no index matches, so the database sorts
    the (few) rows instead of walking the sort's index to find them. `walk`: only the rows
    of `rows` that are its matches, found by a bounded walk of the sort's index, or else sorted.
    """
    key, descending = sort_key(sort)
    rows = rows.annotate(sort_key=key)
    if offset is not None:
        after = before = None
    # Reading backwards (the page before a cursor, or one counted from the end) is the same
    # walk in the opposite order.
    backwards = (before is not None and after is None) or (offset is not None and offset.from_end)
    forward = not descending if not backwards else descending
    cursor = before if backwards else after

    def ordered(rows: QuerySet[Instance], key: Expression) -> QuerySet[Instance]:
        """`rows` past the cursor, in the page's order of `key` then id."""
        if cursor is not None:
            operator = ">" if forward else "<"
            past = [Value(cursor.key), Value(cursor.id_instance)]
            rows = rows.filter(RowCompare([key, F("id_instance")], operator, past))
        if forward:
            return rows.order_by(key.asc(), F("id_instance").asc())
        return rows.order_by(key.desc(), F("id_instance").desc())

    # The same values in the same order; COALESCE of a key with itself is only a disguise.
    sorted_key = Coalesce(key, key)
    if walk is not None and offset is not None:
        # The walk finds a first page only. Skipping to a later one, the matches are sorted:
        # found by the search's index, they cost their number, not how deep the page is.
        rows, walk, by_index = rows.filter(walk.hit), None, False
    if walk is not None and connections[rows.db].vendor != "postgresql":
        # SQLite, for small mirrors, walks the index to the page's matches as for any filter.
        rows, walk = rows.filter(walk.hit), None
    if walk is not None:
        hit = ExpressionWrapper(walk.hit, output_field=BooleanField())
        walked = ordered(walk.rows, key).annotate(hit=hit).values("id_instance", "hit")
        matches = ordered(walk.rows.filter(walk.hit), sorted_key).values("id_instance")
        rows, by_index = rows.filter(FirstMatches(walked, matches, size=size)), False
    rows = ordered(rows, key if by_index else sorted_key)
    skip, take = (offset.skip, offset.take) if offset is not None else (0, size)
    found: list[Instance] = list(rows[skip : skip + take + 1])
    more = len(found) > take
    found = found[:take]
    # Rows on the side it started from: past the cursor, or skipped.
    behind = cursor is not None or skip > 0
    if backwards:
        found.reverse()
        return KeysetPage(found, has_previous=more, has_next=behind, sort=sort)
    return KeysetPage(found, has_previous=behind, has_next=more, sort=sort)


def page_count(total: int, size: int) -> int:
    """Pages of `size` rows that `total` rows fill; one, empty, when there are none."""
    return max(1, -(-total // size))


@dataclass(frozen=True)
class NumberedPage:
    """A page read by `numbered_page`, and what the list says of its number."""

    page: KeysetPage
    number: int | None  # the page's number; None when a cursor came without one
    address: int | None  # the `page=` that shows this page again (with its cursor, if any)
    note: str = ""  # what became of a number that is not one of the pages


def numbered_page(
    read: Callable[..., KeysetPage],
    *,
    size: int,
    after: Cursor | None,
    before: Cursor | None,
    number: int | None,
    total: int | None,
) -> NumberedPage:
    """The page a cursor finds (labelled `number`), or else page `number` of `total` rows
    (None: not counted to the end), by `read` (keyset_page but for the page's place and size).

    A number past the last page reads the last. Without an exact total that is known only
    once the page comes back empty: then the last page is read again, from the end.
    """
    offset, note = None, ""
    if after is None and before is None:
        number = number or 1
        pages = page_count(total, size) if total is not None else None
        if pages is not None and number > pages:
            note = (
                _("There is only one page.")
                if pages == 1
                else ngettext(
                    "There are only %(num)s page of %(size)s; this is the last.",
                    "There are only %(num)s pages of %(size)s; this is the last.",
                    pages,
                )
                % {"num": pages, "size": size}
            )
            number = pages
        if number > 1:
            offset = page_offset(number, size=size, total=total)
    page = read(after=after, before=before, offset=offset, size=size)
    if offset is not None and not page.rows:
        # Past the last of a search's matches, which were not all counted. The address stays
        # the number asked for: asked again, the last page is found the same way.
        assert number is not None  # an offset is read for a page's number only
        note = ngettext(
            "There are fewer than %(num)s page of %(size)s; this is the last.",
            "There are fewer than %(num)s pages of %(size)s; this is the last.",
            number,
        ) % {"num": number, "size": size}
        last = read(after=None, before=None, offset=Offset(0, size, from_end=True), size=size)
        return NumberedPage(last, number=None, address=number, note=note)
    if not page.has_previous:
        number = 1  # also when a cursor came with another number, or none
    return NumberedPage(page, number=number, address=number, note=note)
