"""Documents (issue 17): receipts of follow-up reports, the picture of a challenge and of a lieu.

Each use case checks who may act before it reads the file, receives the file into the documents
folder (bounded in size while it is read, its type judged from its first bytes:
`domain/documents.py`), keeps it, then writes its row in one transaction that checks the rules
again (the report still editable, its count of files). A refusal or a failure removes the file
it kept: a row never lacks its file, and a file without a row is swept (`storage.sweep`).

Who reads a file is who reads what it belongs to: a receipt whoever reads its report (a draft
its proposers only), a picture whoever reads its challenge or lieu; so a private network's
files are read only by who may read the network.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import Challenge, Document, Lieu, Report
from cobudget.db.transactions import for_update, inserted_id, write_transaction
from cobudget.domain import documents as rules
from cobudget.domain import reports as report_rules
from cobudget.domain.errors import InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, require
from cobudget.services import audit, reports, storage
from cobudget.services.challenges import challenge_row, require_proposer
from cobudget.services.clock import now
from cobudget.services.queries.challenges import ChallengePage, challenge_page
from cobudget.services.queries.documents import lieu_picture
from cobudget.services.queries.follow_up import report_page
from cobudget.services.queries.networks import lieu_page
from cobudget.services.targets import lieu_target
from cobudget.settings import Settings


@dataclass(frozen=True)
class NewFile:
    """A file received, checked and kept, waiting for its row."""

    key: str
    name: str
    content_type: str
    size: int
    sha256: str


class _Key(msgspec.Struct, frozen=True):
    id: int
    storage_key: str


class _Status(msgspec.Struct, frozen=True):
    status: str


OWNERS: dict[str, type[Challenge] | type[Lieu]] = {"challenge": Challenge, "lieu": Lieu}

# Inside the write transaction: check again, insert the row; (its id, the keys of the rows it
# replaced, whose files go once the transaction is committed).
Write = Callable[[NewFile], Awaitable[tuple[int, list[str]]]]


async def _add(
    settings: Settings,
    upload: storage.Upload | None,
    kind: rules.Kind,
    max_bytes: int,
    write: Write,
) -> int:
    if upload is None:
        raise InvalidInput({"file": "file_required"})
    root = settings.documents_path
    received = await storage.receive(
        root, upload, max_bytes=max_bytes, head_bytes=rules.SIGNATURE_BYTES
    )
    try:
        content_type = rules.check_file(kind, received.head, received.size, max_bytes)
    except InvalidInput:
        await storage.discard(received)
        raise
    await storage.keep(root, received)
    new = NewFile(
        key=received.key,
        name=rules.safe_name(upload.filename or "", content_type),
        content_type=content_type,
        size=received.size,
        sha256=received.sha256,
    )
    try:
        async with write_transaction():
            document_id, replaced = await write(new)
    except BaseException:
        await storage.remove(root, [received.key])
        raise
    await storage.remove(root, replaced)
    return document_id


def _row(actor: Actor, kind: rules.Kind, new: NewFile, **owner: int | None) -> Document:
    values: dict[str, Any] = {
        "kind": kind.value,
        "storage_key": new.key,
        "name": new.name,
        "content_type": new.content_type,
        "size_bytes": new.size,
        "sha256": new.sha256,
        "uploaded_by": actor.user_id,
        "created_at": now(),
        **owner,
    }
    return Document(**values)


def _audited(new: NewFile) -> dict[str, object]:
    return {"name": new.name, "type": new.content_type, "size": new.size, "sha256": new.sha256}


# --- Receipts of a report ------------------------------------------------------------------


async def _editable_report(actor: Actor, report_id: int) -> tuple[reports.Funded, str]:
    """The report's funded challenge, once the actor may write its reports; refused unless the
    report is a draft or sent back (its status, read again inside the transaction)."""
    row = await fetch_one(
        Report.select(Report.envelope, Report.challenge, Report.status)
        .where(Report.id == report_id)
        .first(),
        _ReportRow,
    )
    if row is None:
        raise NotFound("report", report_id)
    found = await reports.funded(actor, row.envelope, row.challenge)
    if row.status == report_rules.Status.DRAFT.value:
        await report_page(actor, report_id)  # a draft is unknown to all but its proposers
    require(actor, Action.REPORT_WRITE, reports.target_of(found))
    _require_editable(row.status)
    return found, row.status


class _ReportRow(msgspec.Struct, frozen=True):
    envelope: int
    challenge: int
    status: str


def _require_editable(status: str) -> None:
    decision = report_rules.can_edit(status)
    if not decision.allowed:
        raise NotAllowed(Action.REPORT_WRITE.value, decision.reason)


async def _held_report(report_id: int) -> None:
    """Hold the report's row and check it is still editable (inside the transaction)."""
    fresh = await fetch_one(
        for_update(Report.select(Report.status).where(Report.id == report_id)).first(), _Status
    )
    if fresh is None:
        raise NotFound("report", report_id)
    _require_editable(fresh.status)


async def add_receipt(
    settings: Settings,
    actor: Actor,
    *,
    report_id: int,
    budget_line_id: int | None,
    upload: storage.Upload | None,
) -> int:
    """Attach a receipt (PDF or picture) to a report, or to one of its budget lines."""
    found, _status = await _editable_report(actor, report_id)
    if budget_line_id is not None and budget_line_id not in {
        line.id for line in found.challenge.budget_lines
    }:
        raise InvalidInput({"line": "unknown_budget_line"})

    async def write(new: NewFile) -> tuple[int, list[str]]:
        await _held_report(report_id)
        if await Document.count().where(Document.report == report_id) >= (
            rules.MAX_FILES_PER_REPORT
        ):
            raise InvalidInput({"file": f"too_many_files:{rules.MAX_FILES_PER_REPORT}"})
        document_id = await inserted_id(
            Document.insert(
                _row(actor, rules.Kind.RECEIPT, new, report=report_id, budget_line=budget_line_id)
            ).returning(Document.id)
        )
        await audit.record(
            actor,
            "document.add_receipt",
            entity="report",
            entity_id=report_id,
            network_id=found.network_id,
            after={"document_id": document_id, "budget_line": budget_line_id, **_audited(new)},
        )
        return document_id, []

    return await _add(settings, upload, rules.Kind.RECEIPT, settings.receipt_max_bytes, write)


async def remove_receipt(
    settings: Settings, actor: Actor, *, report_id: int, document_id: int
) -> None:
    """Take a receipt off a report that is still a draft or sent back; its file goes too."""
    found, _status = await _editable_report(actor, report_id)
    async with write_transaction():
        await _held_report(report_id)
        row = await _document_of(Document.report == report_id, document_id)
        await Document.delete().where(Document.id == document_id)
        await audit.record(
            actor,
            "document.remove_receipt",
            entity="report",
            entity_id=report_id,
            network_id=found.network_id,
            before={"document_id": document_id},
        )
    await storage.remove(settings.documents_path, [row.storage_key])


async def _document_of(belongs: object, document_id: int) -> _Key:
    row = await fetch_one(
        Document.select(Document.id, Document.storage_key)
        .where(Document.id == document_id, belongs)  # type: ignore[arg-type]
        .first(),
        _Key,
    )
    if row is None:
        raise NotFound("document", document_id)
    return row


# --- Pictures of a challenge and of a lieu ---------------------------------------------------


async def _pictures(kind: rules.Kind, column: str, owner_id: int) -> list[_Key]:
    """The pictures of `kind` of a challenge or lieu (one at most), its row held until the
    transaction ends (two pictures sent at once: one waits, then replaces the other)."""
    owner = OWNERS[column]
    await for_update(owner.select(owner.id).where(owner.id == owner_id))
    return await fetch(
        Document.select(Document.id, Document.storage_key).where(
            getattr(Document, column) == owner_id, Document.kind == kind.value
        ),
        _Key,
    )


async def _replace_picture(
    actor: Actor, kind: rules.Kind, new: NewFile, *, network_id: int | None, **owner: int
) -> tuple[int, list[str]]:
    """Insert the new picture and delete the one before (inside the transaction)."""
    ((column, owner_id),) = owner.items()
    old = await _pictures(kind, column, owner_id)
    document_id = await inserted_id(
        Document.insert(_row(actor, kind, new, **owner)).returning(Document.id)
    )
    if old:
        await Document.delete().where(Document.id.is_in([row.id for row in old]))
    await audit.record(
        actor,
        f"document.set_{kind.value}",
        entity=column,
        entity_id=owner_id,
        network_id=network_id,
        after={"document_id": document_id, **_audited(new)},
    )
    return document_id, [row.storage_key for row in old]


async def _remove_picture(
    settings: Settings, actor: Actor, kind: rules.Kind, *, network_id: int | None, **owner: int
) -> None:
    ((column, owner_id),) = owner.items()
    async with write_transaction():
        old = await _pictures(kind, column, owner_id)
        if not old:
            return
        await Document.delete().where(Document.id.is_in([row.id for row in old]))
        await audit.record(
            actor,
            f"document.remove_{kind.value}",
            entity=column,
            entity_id=owner_id,
            network_id=network_id,
            before={"document_ids": [row.id for row in old]},
        )
    await storage.remove(settings.documents_path, [row.storage_key for row in old])


async def set_challenge_picture(
    settings: Settings, actor: Actor, *, challenge_id: int, upload: storage.Upload | None
) -> int:
    """Its proposers give a challenge its picture (PNG, JPEG or WebP), replacing the one before."""
    await require_proposer(actor, challenge_id)
    network_id = (await challenge_row(challenge_id)).network
    kind = rules.Kind.CHALLENGE_PICTURE

    async def write(new: NewFile) -> tuple[int, list[str]]:
        return await _replace_picture(
            actor, kind, new, network_id=network_id, challenge=challenge_id
        )

    return await _add(settings, upload, kind, settings.picture_max_bytes, write)


async def remove_challenge_picture(settings: Settings, actor: Actor, *, challenge_id: int) -> None:
    await require_proposer(actor, challenge_id)
    network_id = (await challenge_row(challenge_id)).network
    await _remove_picture(
        settings,
        actor,
        rules.Kind.CHALLENGE_PICTURE,
        network_id=network_id,
        challenge=challenge_id,
    )


async def set_lieu_picture(
    settings: Settings, actor: Actor, *, lieu_id: int, upload: storage.Upload | None
) -> int:
    """A lieu's admins give it its picture, replacing the one before."""
    require(actor, Action.LIEU_EDIT_PROFILE, await lieu_target(lieu_id))
    kind = rules.Kind.LIEU_PICTURE

    async def write(new: NewFile) -> tuple[int, list[str]]:
        return await _replace_picture(actor, kind, new, network_id=None, lieu=lieu_id)

    return await _add(settings, upload, kind, settings.picture_max_bytes, write)


async def remove_lieu_picture(settings: Settings, actor: Actor, *, lieu_id: int) -> None:
    require(actor, Action.LIEU_EDIT_PROFILE, await lieu_target(lieu_id))
    await _remove_picture(settings, actor, rules.Kind.LIEU_PICTURE, network_id=None, lieu=lieu_id)


# --- Reading a file --------------------------------------------------------------------------


class StoredFile(msgspec.Struct, frozen=True):
    id: int
    kind: str
    report: int | None
    challenge: int | None
    lieu_slug: str | None
    storage_key: str
    name: str
    content_type: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class Readable:
    """A file the reader may read: its row, and where it lies."""

    file: StoredFile
    path: Path


async def readable(settings: Settings, actor: Actor, document_id: int) -> Readable:
    """The file, for whoever may read what it belongs to; NotFound to anyone else, as for an
    unknown file (a private network's files are not probed by their ids)."""
    row = await fetch_one(
        Document.select(
            Document.id,
            Document.kind,
            Document.report,
            Document.challenge,
            Document.lieu.slug.as_alias("lieu_slug"),
            Document.storage_key,
            Document.name,
            Document.content_type,
            Document.size_bytes,
            Document.sha256,
        )
        .where(Document.id == document_id)
        .first(),
        StoredFile,
    )
    if row is None:
        raise NotFound("document", document_id)
    try:
        if row.report is not None:
            await report_page(actor, row.report)
        elif row.challenge is not None:
            await challenge_page(actor, row.challenge)
        elif row.lieu_slug is not None:
            await lieu_page(actor, row.lieu_slug)
        else:  # pragma: no cover - every row belongs to something
            raise NotFound("document", document_id)
    except NotFound:
        # Answered as an unknown document, not as what it belongs to: an id says nothing.
        raise NotFound("document", document_id, hidden=True) from None
    path = storage.path_of(settings.documents_path, row.storage_key)
    if not path.is_file():  # its file lost from a backup: say so as for an unknown one
        raise NotFound("document", document_id)
    return Readable(file=row, path=path)


class LieuPicture(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    picture_id: int | None = None


async def _lieu(slug: str) -> LieuPicture:
    row = await fetch_one(
        Lieu.select(Lieu.id, Lieu.slug, Lieu.name).where(Lieu.slug == slug).first(), LieuPicture
    )
    if row is None:
        raise NotFound("lieu", slug)
    return row


async def lieu_id_of(slug: str) -> int:
    return (await _lieu(slug)).id


async def lieu_for_picture(actor: Actor, slug: str) -> LieuPicture:
    """The lieu and its picture, for its admins (the form that changes it)."""
    lieu = await _lieu(slug)
    require(actor, Action.LIEU_EDIT_PROFILE, await lieu_target(lieu.id))
    return msgspec.structs.replace(lieu, picture_id=await lieu_picture(lieu.id))


async def challenge_for_picture(actor: Actor, challenge_id: int) -> ChallengePage:
    """The challenge as its page shows it, for its proposers (the form that changes its
    picture)."""
    view = await challenge_page(actor, challenge_id)
    await require_proposer(actor, challenge_id)
    return view


class _StorageKey(msgspec.Struct, frozen=True):
    storage_key: str


async def known_keys() -> frozenset[str]:
    """Every file name the rows hold (for the sweep)."""
    rows = await fetch(Document.select(Document.storage_key), _StorageKey)
    return frozenset(row.storage_key for row in rows)


async def sweep(settings: Settings, *, older_than: float = storage.SWEEP_AFTER_SECONDS) -> int:
    """Delete the documents folder's files that no row names, once old enough; how many."""
    return storage.sweep(settings.documents_path, await known_keys(), older_than=older_than)
