"""What a use case can refuse, as data; the web layer maps each to HTTP once (`web/errors.py`).

    DomainError
    ├── NotAllowed(action, reason)        403: the role table (SPEC §2) says no
    │   └── LoginRequired(action)         401: a visitor asked for a member's action
    ├── NotFound(entity, key, hidden)     404 (hidden: exists, but the reader may not know it)
    ├── InvalidInput(fields)              422: field → message code, shown next to the field
    ├── Conflict(reason)                  409: a request contradicts one already honoured
    │   └── Duplicate(constraint)         409: a unique rule of the product, held by the database,
    │                                          refused a second row (another request won the race)
    ├── TooManyAttempts(retry_after_s, action)  429: a rate limit (login, reset, invitation…)
    └── Busy(retry_after_s)               503: a wait for a lock, a connection, a statement or
                                               an engine worker ran out, or a computation its
                                               time limit: nothing was written, try again soon

Message codes are stable strings; their French (and English) text lives in `web/messages.py`.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every refusal a use case can give."""


class NotAllowed(DomainError):
    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.reason = reason


class LoginRequired(NotAllowed):
    def __init__(self, action: str) -> None:
        super().__init__(action, "login_required")


class NotFound(DomainError):
    """`hidden`: the thing exists in a network the reader may not read. It is answered exactly
    as an unknown one of what was asked for, so that ids cannot be probed for what is private."""

    def __init__(self, entity: str, key: object, *, hidden: bool = False) -> None:
        super().__init__(f"{entity} {key!r} not found")
        self.entity = entity
        self.key = key
        self.hidden = hidden


class InvalidInput(DomainError):
    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{name}: {code}" for name, code in fields.items()))
        self.fields = dict(fields)


class Conflict(DomainError):
    """The request reuses what identifies an earlier one (an idempotency key) with other
    content: answering as if it were the earlier one would hide that this one was not applied."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooManyAttempts(DomainError):
    """`action` names what was limited (`login`, `reset_request`, `reset`, `signup`,
    `invitation`), so the message says which."""

    def __init__(self, retry_after_seconds: int, action: str = "login") -> None:
        super().__init__(f"too many attempts ({action}), retry in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds
        self.action = action


class Duplicate(Conflict):
    """A second row where the product allows one (a unique index named `constraint`): two
    requests did the same thing at once and the other one was stored."""

    def __init__(self, constraint: str) -> None:
        super().__init__("duplicate")
        self.constraint = constraint


class ConfirmationNeeded(DomainError):
    """Every rule allows the irreversible action, and the request did not confirm it (issue
    16): nothing was written, and the page asks « Confirmer … ? » before posting it again."""

    def __init__(self, action: str) -> None:
        super().__init__(f"{action}: confirmation needed")
        self.action = action


class Busy(DomainError):
    """Not the request's fault: the database could not give what was asked within its time
    limits (a lock held by a stuck process, no free connection, a statement too long), or no
    engine worker freed up in time, or a computation passed its time limit. Nothing was
    written; the same request may succeed a little later."""

    def __init__(self, retry_after_seconds: int, cause: str = "") -> None:
        super().__init__(f"busy ({cause}), retry in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds
        self.cause = cause
