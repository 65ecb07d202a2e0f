"""CSV downloads: streamed a line at a time, with cells a spreadsheet cannot run as formulas."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from django.http import HttpResponse, StreamingHttpResponse

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); names
# of instances and resellers are typed by customers.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
_Response = TypeVar("_Response", HttpResponse, StreamingHttpResponse)


def spreadsheet_text(text: str) -> str:
    """`text` as a cell that stays text: an apostrophe first where it would be a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Line:
    """A file whose write returns what was written: csv.writer's output, a row at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text of `header` and `rows`, a line at a time (cells as the caller made them)."""
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_response(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A download of CSV `lines`, streamed: memory stays flat however many rows there are."""
    return _attached(StreamingHttpResponse(lines, content_type=CSV_TYPE), filename)


def csv_download(lines: Iterable[str], filename: str) -> HttpResponse:
    """A short CSV download, whole."""
    return _attached(HttpResponse("".join(lines), content_type=CSV_TYPE), filename)


def _attached(response: _Response, filename: str) -> _Response:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
