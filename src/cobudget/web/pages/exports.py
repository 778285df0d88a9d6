"""Open data downloads of an envelope: CSV and JSON tables, the settlement with its inputs, and
the pabulib instance of an `equal_shares` envelope (docs/open-data.md lists every column)."""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath
from litestar.response import Response

from cobudget.domain.errors import NotFound
from cobudget.services import exports
from cobudget.services.queries import receipts as receipt_queries
from cobudget.web.forms import ActorDep, PathId
from cobudget.web.spreadsheet import to_spreadsheet

# `pledges-tableur.csv`: the table for a spreadsheet (web/spreadsheet.py), beside `pledges.csv`.
SHEET = "-tableur"

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pb": "text/plain; charset=utf-8",
}


def download(body: bytes, filename: str, extension: str) -> Response[bytes]:
    return Response(
        body,
        media_type=MEDIA[extension],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@get("/enveloppes/{envelope_id:int}/donnees/{filename:str}", name="envelope_export")
async def export(actor: ActorDep, envelope_id: PathId, filename: FromPath[str]) -> Response[bytes]:
    """`challenges.csv`, `pledges.json`, `pledges-tableur.csv`, … ; `reglement-complet.json`;
    `enveloppe.pb`; `recus.csv` and `recus.json` (the journal of receipts, issue 20)."""
    name, _dot, extension = filename.rpartition(".")
    saved_as = f"enveloppe-{envelope_id}-{filename}"
    if filename == "reglement-complet.json":
        return download(await exports.settlement_bundle(actor, envelope_id), saved_as, "json")
    if filename in ("recus.csv", "recus.json"):
        rows = await receipt_queries.rows(actor, envelope_id)
        columns = receipt_queries.DOWNLOAD_COLUMNS
        body = (
            exports.to_csv("receipts", rows, columns)
            if extension == "csv"
            else exports.to_json("receipts", rows, columns)
        )
        return download(body, saved_as, extension)
    if filename == "enveloppe.pb":
        return download((await exports.pabulib(actor, envelope_id)).encode(), saved_as, "pb")
    table, sheet = name.removesuffix(SHEET), name.endswith(SHEET)
    if table not in exports.TABLES or extension not in (("csv",) if sheet else ("csv", "json")):
        raise NotFound("export", envelope_id)
    rows = await exports.rows(actor, envelope_id, table)
    if sheet:
        body = to_spreadsheet(exports.TABLES[table], rows)
    elif extension == "csv":
        body = exports.to_csv(table, rows)
    else:
        body = exports.to_json(table, rows)
    return download(body, saved_as, extension)


ROUTES = [export]
