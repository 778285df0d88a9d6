"""A bounded crawl of the pages one person can reach: which links are pages worth opening, and
the route each page belongs to, so a browser test opens a couple of pages of each kind (two
lieux, not all twelve) and stops at a fixed number, whatever the demo holds."""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

# Not pages to look at: leaving, switching language, files, the API and its description.
SKIPPED_PREFIXES = (
    "/deconnexion",
    "/langue/",
    "/api",
    "/static",
    "/schema",
    "/documents/",
    "/favicon.ico",
)
DOWNLOAD = re.compile(r"\.(csv|json|pdf|png|jpe?g|gif|webp|svg|zip|xlsx|ods|txt)$", re.IGNORECASE)
_PARAMETER = re.compile(r"\{[^}]+\}")


class RoutePatterns:
    """The app's route paths (`/defis/{challenge_id:int}`), matched against concrete paths; a
    path belongs to the matching route with the most literal characters (`/defis/nouveau`
    before `/defis/{id}`, were both to exist)."""

    def __init__(self, route_paths: Iterable[str]) -> None:
        compiled = []
        for route in set(route_paths):
            literal = _PARAMETER.split(route)
            regex = "[^/]+".join(re.escape(part) for part in literal)
            compiled.append((sum(len(part) for part in literal), route, re.compile(f"^{regex}$")))
        self._routes = sorted(compiled, key=lambda item: (-item[0], item[1]))

    def of(self, path: str) -> str:
        """The route `path` belongs to; a path of no route is its own pattern."""
        for _literal, route, regex in self._routes:
            if regex.match(path):
                return route
        return path


def page_link(href: str, current: str, origin: str) -> str | None:
    """The path (and query) `href` on the page at `current` leads to, if it is a page of this
    site worth opening; None for other sites, anchors, files and the skipped prefixes."""
    target = urlsplit(urljoin(current, href))
    if f"{target.scheme}://{target.netloc}" != origin or target.scheme not in ("http", "https"):
        return None
    if target.path.startswith(SKIPPED_PREFIXES) or DOWNLOAD.search(target.path):
        return None
    return target.path + (f"?{target.query}" if target.query else "")


@dataclass
class Frontier:
    """Breadth first from the start pages, at most `per_route` pages of each route and
    `limit` pages in all: the crawl can not run away, however many lieux or links appear."""

    patterns: RoutePatterns
    per_route: int = 2
    limit: int = 60
    queue: deque[str] = field(default_factory=deque)
    seen: set[str] = field(default_factory=set)
    taken: Counter[str] = field(default_factory=Counter)
    opened: int = 0

    def add(self, paths: Iterable[str]) -> None:
        for path in paths:
            if path not in self.seen:
                self.seen.add(path)
                self.queue.append(path)

    def next(self) -> tuple[str, str] | None:
        """The next page to open and its route, or None when the crawl is over."""
        while self.queue and self.opened < self.limit:
            path = self.queue.popleft()
            route = self.patterns.of(path.split("?", 1)[0])
            if self.taken[route] < self.per_route:
                self.taken[route] += 1
                self.opened += 1
                return path, route
        return None
