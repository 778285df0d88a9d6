"""Every API list is paginated the same way: `?page=1&per_page=50` (at most 200 a page), answered
with `total`, `page`, `per_page` and the page's `items`. Parameters are also bounded here, so a
malformed or out-of-range one is a 400 before anything reads the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import msgspec
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from cobudget.web.forms import MAX_ID

T = TypeVar("T")
P = TypeVar("P", bound="Paged")

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000, description="Page number, from 1.")]
PerPage = Annotated[
    int,
    QueryParameter(ge=1, le=MAX_PER_PAGE, description=f"Items per page, 1 to {MAX_PER_PAGE}."),
]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


class Paging(msgspec.Struct, frozen=True):
    """The page a list request asks for."""

    page: int
    per_page: int


def paging(page: PageNumber = 1, per_page: PerPage = DEFAULT_PER_PAGE) -> Paging:
    """The `?page=&per_page=` of a list request (a dependency of the API router)."""
    return Paging(page=page, per_page=per_page)


PagingDep = NamedDependency[Paging]


class Paged(msgspec.Struct, frozen=True):
    """A page of a list; each list's schema adds its `items` (named, for the OpenAPI)."""

    total: int  # items in the whole list
    page: int
    per_page: int


def paginate(items: Sequence[Any], page_type: type[P], paging: Paging) -> P:
    """The asked page of `items`, each converted to the item schema of `page_type`."""
    start = (paging.page - 1) * paging.per_page
    fields = {"total": len(items), "page": paging.page, "per_page": paging.per_page}
    return as_schema(fields | {"items": items[start : start + paging.per_page]}, page_type)


def as_schema(value: Any, schema: type[T]) -> T:
    """A query's result read into an API schema: only the schema's fields, by name."""
    return msgspec.convert(value, schema, from_attributes=True)
