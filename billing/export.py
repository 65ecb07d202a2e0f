"""Usage as CSV, streamed: a month's lines, or one reseller's instances row by row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

from billing.selectors import InstanceUsage, UsageLine, UsageReport
from core.csv_export import csv_lines, csv_response, spreadsheet_text

MONTH_HEADER = [
    "month",
    "reseller_id",
    "reseller",
    "charges_counted",
    "instance_days",
    "not_counted",
    "day_price",
    "currency",
    "amount",
]
INSTANCES_HEADER = [
    "month",
    "reseller",
    "id_instance",
    "name",
    "type",
    "time_created_utc",
    "time_deleted_utc",
    "deleted",
    "billable_days",
    "note",
]
NOT_COUNTED_NOTE = "times unknown: not counted"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return spreadsheet_text(str(value))


def _stream(
    header: list[str], rows: Iterable[Sequence[object]], filename: str
) -> StreamingHttpResponse:
    cells = ([_cell(value) for value in row] for row in rows)
    return csv_response(csv_lines(header, cells), filename)


def reseller_label(line_reseller: object) -> str:
    return str(line_reseller) if line_reseller is not None else "Unassigned"


def _month_row(report: UsageReport, line: UsageLine) -> list[object]:
    return [
        str(report.month),
        line.reseller.pk if line.reseller is not None else "",
        reseller_label(line.reseller),
        len(report.charges),
        line.instance_days,
        line.not_counted,
        line.price,
        report.currency,
        line.amount,
    ]


def month_csv(report: UsageReport) -> StreamingHttpResponse:
    rows = (_month_row(report, line) for line in report.lines)
    return _stream(MONTH_HEADER, rows, f"usage-{report.month}.csv")


def instances_csv(
    report: UsageReport, usages: Iterable[InstanceUsage], *, slug: str
) -> StreamingHttpResponse:
    label = reseller_label(report.lines[0].reseller)
    rows = (
        [
            str(report.month),
            label,
            usage.instance.id_instance,
            usage.instance.name,
            usage.instance.type_instance,
            usage.instance.time_created,
            usage.instance.time_deleted,
            "yes" if usage.instance.deleted else "no",
            usage.billable_days,
            NOT_COUNTED_NOTE if usage.billable_days is None else "",
        ]
        for usage in usages
    )
    return _stream(INSTANCES_HEADER, rows, f"usage-{report.month}-{slug}.csv")
