"""Reads of documents behind the pages: the receipts of reports, in one query for any number of
reports; the picture of a lieu."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import Document
from cobudget.domain.documents import PDF, Kind


class DocumentView(msgspec.Struct, frozen=True):
    id: int
    name: str
    content_type: str
    size_bytes: int
    report: int | None = None
    budget_line: int | None = None

    @property
    def is_pdf(self) -> bool:
        return self.content_type == PDF


_COLUMNS = (
    Document.id,
    Document.name,
    Document.content_type,
    Document.size_bytes,
    Document.report,
    Document.budget_line,
)


async def receipts_of(report_ids: Iterable[int]) -> dict[int, list[DocumentView]]:
    """Report id → its receipts, oldest first, in one query (none without reports)."""
    ids = sorted(set(report_ids))
    by_report: dict[int, list[DocumentView]] = {}
    if not ids:
        return by_report
    for row in await fetch(
        Document.select(*_COLUMNS)
        .where(Document.report.is_in(ids), Document.kind == Kind.RECEIPT.value)
        .order_by(Document.id),
        DocumentView,
    ):
        by_report.setdefault(row.report or 0, []).append(row)
    return by_report


class _PictureId(msgspec.Struct, frozen=True):
    id: int


async def lieu_picture(lieu_id: int) -> int | None:
    """The id of the lieu's picture, if it has one."""
    row = await fetch_one(
        Document.select(Document.id)
        .where(Document.lieu == lieu_id, Document.kind == Kind.LIEU_PICTURE.value)
        .order_by(Document.id, ascending=False)
        .first(),
        _PictureId,
    )
    return row.id if row else None
