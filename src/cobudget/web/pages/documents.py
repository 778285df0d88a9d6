"""Documents (issue 17): receipts attached to a report, the picture of a challenge and of a lieu,
sent by plain multipart forms (no JavaScript needed), and the files served back.

An upload route takes a body no bigger than its kind's largest file plus room for the form's
other fields: beyond, Litestar stops reading and answers 413 before anything is written. Routes
are built from the settings (`routes(settings)`), since the limits are settings.

A file is served with the type checked when it arrived, never sniffed (`nosniff`), a PDF as an
attachment and a picture inline, under a sandboxing Content-Security-Policy, and cached
privately: who may read it depends on who asks."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from cobudget.domain.errors import InvalidInput
from cobudget.services import documents
from cobudget.services.queries import follow_up
from cobudget.settings import Settings
from cobudget.web.forms import ActorDep, PathId, SettingsDep, form_id
from cobudget.web.render import form_errors, page, see_other

# Room for the form's other fields and the multipart framing, beyond the file itself.
FORM_ROOM_BYTES = 64 * 1024
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


async def _upload(request: Request[Any, Any, Any]) -> tuple[UploadFile | None, dict[str, str]]:
    """The form's file (None when none was chosen) and its other fields."""
    form = await request.form()
    file = form.get("file")
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if isinstance(file, UploadFile) and file.filename:
        return file, fields
    return None, fields


def _disposition(kind: str, name: str) -> str:
    """`attachment` or `inline`, with an ASCII name and the exact one (RFC 6266)."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@get("/documents/{document_id:int}", name="document")
async def serve(
    request: Request[Any, Any, Any], actor: ActorDep, settings: SettingsDep, document_id: PathId
) -> File | Response[bytes]:
    """The file, checked again at each request (`no-cache`: who may read it can change, and
    SQLite may give a deleted file's id to a new one); unchanged, a 304 by its SHA-256."""
    found = await documents.readable(settings, actor, document_id)
    etag = f'"{found.file.sha256}"'
    kind: Literal["inline", "attachment"] = (
        "inline" if found.file.content_type.startswith("image/") else "attachment"
    )
    headers = {
        "content-disposition": _disposition(kind, found.file.name),
        "x-content-type-options": "nosniff",
        "content-security-policy": FILE_POLICY,
        "cache-control": "private, no-cache",
        "cross-origin-resource-policy": "same-origin",
        "etag": etag,
    }
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return File(
        path=found.path,
        filename=found.file.name,
        media_type=found.file.content_type,
        content_disposition_type=kind,
        headers=headers,
    )


# --- Receipts of a report --------------------------------------------------------------------


async def _report_with_error(
    request: Request[Any, Any, Any], actor: ActorDep, report_id: int, error: InvalidInput
) -> Template:
    return await page(
        request,
        "reports/page.html",
        status_code=422,
        report=await follow_up.report_page(actor, report_id),
        ok="",
        errors={},
        values={},
        file_errors=form_errors(error.fields),
    )


async def add_receipt(
    request: Request[Any, Any, Any], actor: ActorDep, settings: SettingsDep, report_id: PathId
) -> Template | Redirect:
    upload, fields = await _upload(request)
    line = fields.get("line", "")
    try:
        await documents.add_receipt(
            settings,
            actor,
            report_id=report_id,
            budget_line_id=form_id(line) if line else None,
            upload=upload,
        )
    except InvalidInput as error:
        return await _report_with_error(request, actor, report_id, error)
    return see_other(f"/rapports/{report_id}?ok=file_added#justificatifs")


@post("/rapports/{report_id:int}/justificatifs/{document_id:int}/supprimer")
async def remove_receipt(
    actor: ActorDep, settings: SettingsDep, report_id: PathId, document_id: PathId
) -> Redirect:
    await documents.remove_receipt(settings, actor, report_id=report_id, document_id=document_id)
    return see_other(f"/rapports/{report_id}?ok=file_removed#justificatifs")


# --- The picture of a challenge --------------------------------------------------------------


async def _challenge_form(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    challenge_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    view = await documents.challenge_for_picture(actor, challenge_id)
    return await page(
        request,
        "challenges/picture.html",
        status_code=status_code,
        view=view,
        errors=errors or {},
    )


@get("/defis/{challenge_id:int}/image", name="challenge_picture")
async def challenge_picture_form(
    request: Request[Any, Any, Any], actor: ActorDep, challenge_id: PathId
) -> Template:
    return await _challenge_form(request, actor, challenge_id)


async def set_challenge_picture(
    request: Request[Any, Any, Any], actor: ActorDep, settings: SettingsDep, challenge_id: PathId
) -> Template | Redirect:
    upload, _fields = await _upload(request)
    try:
        await documents.set_challenge_picture(
            settings, actor, challenge_id=challenge_id, upload=upload
        )
    except InvalidInput as error:
        return await _challenge_form(
            request, actor, challenge_id, errors=form_errors(error.fields), status_code=422
        )
    return see_other(f"/defis/{challenge_id}")


@post("/defis/{challenge_id:int}/image/supprimer")
async def remove_challenge_picture(
    actor: ActorDep, settings: SettingsDep, challenge_id: PathId
) -> Redirect:
    await documents.remove_challenge_picture(settings, actor, challenge_id=challenge_id)
    return see_other(f"/defis/{challenge_id}")


# --- The picture of a lieu -------------------------------------------------------------------


async def _lieu_form(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    lieu = await documents.lieu_for_picture(actor, slug)
    return await page(
        request, "lieux/picture.html", status_code=status_code, lieu=lieu, errors=errors or {}
    )


@get("/lieux/{slug:str}/image", name="lieu_picture")
async def lieu_picture_form(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    return await _lieu_form(request, actor, slug)


async def set_lieu_picture(
    request: Request[Any, Any, Any], actor: ActorDep, settings: SettingsDep, slug: FromPath[str]
) -> Template | Redirect:
    upload, _fields = await _upload(request)
    lieu_id = await documents.lieu_id_of(slug)
    try:
        await documents.set_lieu_picture(settings, actor, lieu_id=lieu_id, upload=upload)
    except InvalidInput as error:
        return await _lieu_form(
            request, actor, slug, errors=form_errors(error.fields), status_code=422
        )
    return see_other(f"/lieux/{slug}")


@post("/lieux/{slug:str}/image/supprimer")
async def remove_lieu_picture(
    actor: ActorDep, settings: SettingsDep, slug: FromPath[str]
) -> Redirect:
    lieu_id = await documents.lieu_id_of(slug)
    await documents.remove_lieu_picture(settings, actor, lieu_id=lieu_id)
    return see_other(f"/lieux/{slug}")


def routes(settings: Settings) -> list[HTTPRouteHandler]:
    """The routes, the upload ones with a body limit from the settings."""
    receipt_limit = settings.receipt_max_bytes + FORM_ROOM_BYTES
    picture_limit = settings.picture_max_bytes + FORM_ROOM_BYTES
    return [
        serve,
        post("/rapports/{report_id:int}/justificatifs", request_max_body_size=receipt_limit)(
            add_receipt
        ),
        remove_receipt,
        challenge_picture_form,
        post("/defis/{challenge_id:int}/image", request_max_body_size=picture_limit)(
            set_challenge_picture
        ),
        remove_challenge_picture,
        lieu_picture_form,
        post("/lieux/{slug:str}/image", request_max_body_size=picture_limit)(set_lieu_picture),
        remove_lieu_picture,
    ]
