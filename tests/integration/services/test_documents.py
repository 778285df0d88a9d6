"""Documents under concurrent writes (issue 17): the rules run again inside the write
transaction with the owner's row held, so pictures sent at once leave one picture and one file,
and receipts sent at once never take a report beyond its count of files. A refused file leaves
no row and no file behind."""

from __future__ import annotations

import asyncio

import pytest

from cobudget.db.tables import Document
from cobudget.domain import documents as rules
from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.services import documents, storage
from cobudget.settings import Settings
from tests.integration.conftest import World
from tests.support.documents import stored_files, tiny_pdf, tiny_png


class _Upload:
    def __init__(self, content: bytes, filename: str) -> None:
        self.content, self.filename, self.at = content, filename, 0

    async def read(self, size: int = -1) -> bytes:
        chunk = self.content[self.at : self.at + size]
        self.at += len(chunk)
        return chunk


async def test_pictures_sent_at_once_leave_one_picture_and_one_file(
    world: World, settings: Settings
) -> None:
    actor = Actor(user_id=None, member_of=frozenset({world.lieu_id}))
    before = stored_files(settings)
    await asyncio.gather(
        *(
            documents.set_challenge_picture(
                settings,
                actor,
                challenge_id=world.funded_challenge_id,
                upload=_Upload(tiny_png(n, n), f"{n}.png"),
            )
            for n in range(1, 6)
        )
    )
    rows = await Document.select(Document.storage_key).where(
        Document.challenge == world.funded_challenge_id
    )
    assert len(rows) == 1
    assert stored_files(settings) - before == {rows[0]["storage_key"]}
    assert storage.path_of(settings.documents_path, rows[0]["storage_key"]).exists()


async def test_receipts_sent_at_once_stop_at_the_count_of_files(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "MAX_FILES_PER_REPORT", 3)
    actor = Actor(user_id=None, member_of=frozenset({world.lieu_id}))
    before = stored_files(settings)

    async def send(n: int) -> str:
        try:
            await documents.add_receipt(
                settings,
                actor,
                report_id=world.draft_report_id,
                budget_line_id=None,
                upload=_Upload(tiny_pdf(str(n)), f"{n}.pdf"),
            )
        except InvalidInput as error:
            return error.fields["file"]
        return "added"

    results = await asyncio.gather(*(send(n) for n in range(6)))
    assert sorted(results) == ["added"] * 3 + ["too_many_files:3"] * 3
    rows = await Document.select(Document.storage_key).where(
        Document.report == world.draft_report_id
    )
    assert len(rows) == 3
    assert stored_files(settings) - before == {row["storage_key"] for row in rows}
