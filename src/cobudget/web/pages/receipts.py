"""An envelope's receipts (issue 20): the public journal of its chain, a page of 50 at a time,
the reader's own receipts, and « Vérifier un reçu » (a plain GET form: it works without
JavaScript)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from cobudget.domain.errors import InvalidInput
from cobudget.services.queries import receipts as queries
from cobudget.web.forms import ActorDep, PathId, page_number
from cobudget.web.render import form_errors, page


@get("/enveloppes/{envelope_id:int}/recus", name="envelope_receipts")
async def journal(
    request: Request[Any, Any, Any], actor: ActorDep, envelope_id: PathId
) -> Template:
    """The journal of receipts, by number; a page number out of range says so and shows the
    first page."""
    errors: dict[str, str] = {}
    number = page_number(request.query_params, errors, maximum=queries.MAX_PAGE)
    view = await queries.journal(actor, envelope_id, 1 if errors else number)
    return await page(
        request,
        "envelopes/receipts.html",
        status_code=422 if errors else 200,
        journal=view,
        errors=form_errors(errors),
        typed="",
    )


@get("/enveloppes/{envelope_id:int}/recus/verifier", name="envelope_receipt_check")
async def check(request: Request[Any, Any, Any], actor: ActorDep, envelope_id: PathId) -> Template:
    """Whether a receipt is in the envelope's chain, with what it recorded (hidden until the
    close when the envelope hides pledges, but to its own lieu)."""
    typed = request.query_params.get("code", "")
    errors: dict[str, str] = {}
    if typed.strip():
        try:
            result = await queries.check(actor, envelope_id, typed)
        except InvalidInput as error:
            errors = form_errors(error.fields)
    if errors or not typed.strip():  # nothing typed: the form, with the journal
        return await page(
            request,
            "envelopes/receipts.html",
            status_code=422 if errors else 200,
            journal=await queries.journal(actor, envelope_id, 1),
            errors=errors,
            typed=typed[:100],
        )
    return await page(request, "envelopes/receipt_check.html", check=result, typed=typed[:100])


ROUTES = [journal, check]
