"""Domain errors → HTTP, in one place: an HTML page in French (or English), or a JSON problem
for the API. A refused request has changed nothing: services check before they write."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Template

from cobudget.domain.errors import (
    Busy,
    Conflict,
    DomainError,
    Duplicate,
    InvalidInput,
    LoginRequired,
    NotAllowed,
    NotFound,
    TooManyAttempts,
)
from cobudget.i18n import gettext as _
from cobudget.web.messages import (
    field_message,
    not_found_message,
    refusal_message,
    too_many_message,
)


def _problem_or_page(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    errors: dict[str, str] | None = None,
) -> Response[Any]:
    if request.url.path.startswith("/api/"):
        problem = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        return Response(
            problem | ({"errors": errors} if errors else {}),
            status_code=status,
            media_type="application/problem+json",
        )

    return Template(
        template_name="errors/error.html",
        context={
            "status": status,
            "title": title,
            "detail": detail,
            "path": request.url.path,
            "actor": request.state.get("actor"),
        },
        status_code=status,
        media_type=MediaType.HTML,
    )


# What the first segment of an address names, to answer a hidden thing as an unknown one of it.
_ENTITY_OF_SEGMENT = {
    "reseaux": "network",
    "networks": "network",
    "enveloppes": "envelope",
    "envelopes": "envelope",
    "defis": "challenge",
    "challenges": "challenge",
    "rapports": "report",
    "reports": "report",
    "tours": "round",
    "questions": "question",
    "commentaires": "comment",
    "discussion": "comment",
    "lieux": "lieu",
    "documents": "document",
}


def _entity_of_path(path: str) -> str:
    segments = [s for s in path.removeprefix("/api/").split("/") if s]
    return _ENTITY_OF_SEGMENT.get(segments[0], "page") if segments else "page"


def domain_error_handler(request: Request, error: DomainError) -> Response:  # type: ignore[type-arg]
    if isinstance(error, LoginRequired):
        return _problem_or_page(request, 401, _("Connexion requise"), refusal_message(error.reason))
    if isinstance(error, NotAllowed):
        return _problem_or_page(request, 403, _("Action refusée"), refusal_message(error.reason))
    if isinstance(error, NotFound):
        entity = _entity_of_path(request.url.path) if error.hidden else error.entity
        return _problem_or_page(request, 404, _("Introuvable"), not_found_message(entity))
    if isinstance(error, Busy):
        response = _problem_or_page(
            request,
            503,
            _("Service occupé"),
            _("Le service est occupé, réessayez dans quelques secondes."),
        )
        response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    if isinstance(error, Duplicate):
        return _problem_or_page(
            request,
            409,
            _("Requête en conflit"),
            _("Une autre requête vient de faire la même chose : rechargez la page pour la voir."),
        )
    if isinstance(error, Conflict):
        message = field_message(error.reason)
        return _problem_or_page(
            request, 409, _("Requête en conflit"), message, {"idempotency_key": message}
        )
    if isinstance(error, TooManyAttempts):
        detail = too_many_message(error.action, error.retry_after_seconds)
        response = _problem_or_page(request, 429, _("Trop de tentatives"), detail)
        response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    if isinstance(error, InvalidInput):
        messages = {field: field_message(code) for field, code in error.fields.items()}
        return _problem_or_page(
            request, 422, _("Saisie invalide"), " ".join(messages.values()), messages
        )
    return _problem_or_page(request, 400, _("Requête invalide"), str(error))


def http_error_handler(request: Request, error: HTTPException) -> Response:  # type: ignore[type-arg]
    status = error.status_code
    if isinstance(error, PermissionDeniedException) and "CSRF" in str(error.detail):
        return _problem_or_page(request, 403, _("Formulaire refusé"), refusal_message("csrf"))
    if isinstance(error, NotAuthorizedException):
        return _problem_or_page(
            request, 401, _("Connexion requise"), refusal_message("login_required")
        )
    if status == 404 or _page_path_out_of_range(request, error):
        return _problem_or_page(request, 404, _("Introuvable"), not_found_message("page"))
    if status == 405:
        return _problem_or_page(
            request, 405, _("Méthode non permise"), _("Cette adresse ne s’utilise pas ainsi.")
        )
    if status == 413:
        return _problem_or_page(
            request, 413, _("Requête trop volumineuse"), _("La requête est trop volumineuse.")
        )
    if status >= 500:
        return _problem_or_page(
            request,
            status,
            _("Erreur du serveur"),
            _("Une erreur est survenue de notre côté. Réessayez plus tard."),
        )
    # A malformed parameter: the API names it (each with the generic « not accepted »).
    extra = error.extra if isinstance(error, ValidationException) else None
    names = [str(e.get("key")) for e in extra if e.get("key")] if isinstance(extra, list) else []
    return _problem_or_page(
        request,
        status,
        _("Requête invalide"),
        _("La requête n’a pas pu être comprise."),
        {name: field_message("invalid") for name in names},
    )


def _page_path_out_of_range(request: Request, error: HTTPException) -> bool:  # type: ignore[type-arg]
    """A page's path with an id no row can have (`/defis/99999999999`): not found, as an
    unknown id (the API says 400 instead, as its description documents)."""
    extra = error.extra if isinstance(error, ValidationException) else None
    return (
        not request.url.path.startswith("/api/")
        and isinstance(extra, list)
        and bool(extra)
        and all(isinstance(e, dict) and e.get("source") == "path" for e in extra)
    )


def unexpected_error_handler(request: Request, _error: Exception) -> Response:  # type: ignore[type-arg]
    """Any other exception: the 500 page or problem (logged once, with its traceback, by
    `web/request_log.py`); nothing of the exception is shown."""
    return http_error_handler(request, HTTPException(status_code=500))
