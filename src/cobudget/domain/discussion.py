"""A challenge's discussion (issue 16): who speaks as whom, where a reply attaches, what a
comment may say, and how a long discussion is cut into pages of whole threads.

A discussion is open on every published challenge, in every phase (drafts have none). One
level of replies: a reply to a reply joins the thread of the comment it answers, so a thread
is its first comment and the replies under it, in order. Pure rules, stdlib only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

MAX_TEXT = 5000  # characters of one comment, as a round's comments
MAX_REASON = 1000  # characters of the reason a coordinator hides a comment with
MAX_REPLIES = 100  # replies in one thread: a page holds whole threads (PAGE_COMMENTS below)
PAGE_COMMENTS = 200  # comments a page shows at most; older threads are on the next page


class SpeakerKind(StrEnum):
    LIEU = "lieu"  # a member for their lieu
    ORG = "org"  # a co-funder for its organisation
    SELF = "self"  # a coordinator in their own name


@dataclass(frozen=True)
class Speaker:
    """In whose name a comment is written; `id` is the lieu's or the organisation's."""

    kind: SpeakerKind
    id: int | None = None

    @property
    def value(self) -> str:
        """As a form's `as` field carries it: « lieu:3 », « org:2 », « self »."""
        return self.kind.value if self.id is None else f"{self.kind.value}:{self.id}"


def parse_speaker(value: str | None, *, max_id: int) -> Speaker | None:
    """The speaker a form's `as` field names, or None when it names nothing valid (an id is
    ASCII digits from 1 to `max_id`: nothing bigger reaches a query)."""
    text = (value or "").strip()
    if text == SpeakerKind.SELF.value:
        return Speaker(SpeakerKind.SELF)
    kind, sep, raw = text.partition(":")
    if not sep or kind not in (SpeakerKind.LIEU.value, SpeakerKind.ORG.value):
        return None
    if not raw or len(raw) > len(str(max_id)) or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return Speaker(SpeakerKind(kind), number) if 1 <= number <= max_id else None


@dataclass(frozen=True)
class Parent:
    """The comment a reply answers, as the rules need it."""

    id: int
    challenge_id: int
    thread_id: int | None  # the first comment of its thread when it is itself a reply


def thread_of(parent: Parent) -> int:
    """The thread a reply to `parent` joins: the parent's own thread when it is a reply (one
    level of replies), else the parent itself."""
    return parent.thread_id if parent.thread_id is not None else parent.id


def comment_errors(
    *,
    text: str,
    challenge_id: int,
    current_version: int,
    version: int | None,
    criterion_id: int | None,
    criteria: Collection[int],
    parent: Parent | None,
    parent_asked: bool,
    replies_in_thread: int,
) -> dict[str, str]:
    """Field → message code for what is wrong with a comment (empty when it may be stored).
    `text` is already stripped; `parent_asked` says a parent was named, `parent` is what was
    found of it (None when unknown)."""
    errors: dict[str, str] = {}
    if not text:
        errors["discussion.text"] = "required"
    elif len(text) > MAX_TEXT:
        errors["discussion.text"] = f"too_long:{MAX_TEXT}"
    if version is not None and not 1 <= version <= current_version:
        errors["discussion.version"] = "unknown_version"
    if criterion_id is not None and criterion_id not in criteria:
        errors["discussion.criterion_id"] = "unknown_criterion"
    if parent_asked:
        if parent is None or parent.challenge_id != challenge_id:
            errors["discussion.parent"] = "unknown_comment"
        elif replies_in_thread >= MAX_REPLIES:
            errors["discussion.parent"] = f"thread_full:{MAX_REPLIES}"
    return errors


class _Comment(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def thread(self) -> int | None: ...


C = TypeVar("C", bound=_Comment)


@dataclass(frozen=True)
class ThreadPage(Generic[C]):
    threads: list[tuple[C, list[C]]]  # newest thread first; replies oldest first
    older_than: int | None  # the id to ask for older threads with, None when there are none


def page_of_threads(comments: Sequence[C], *, limit: int = PAGE_COMMENTS) -> ThreadPage[C]:
    """Whole threads, newest first, from one read of at most `limit + 1` comments ordered by
    thread (newest first), each thread's first comment then its replies in order. A read that
    returned more than `limit` was cut: its last thread may be incomplete, so it waits for the
    next page (unless it is the only one; with MAX_REPLIES below `limit` it never is)."""
    threads: list[tuple[C, list[C]]] = []
    for comment in comments:
        if comment.thread is None:
            threads.append((comment, []))
        elif threads and threads[-1][0].id == comment.thread:
            threads[-1][1].append(comment)
        # a reply whose thread starts on another page is not shown out of its thread
    if len(comments) <= limit:
        return ThreadPage(threads=threads, older_than=None)
    if len(threads) > 1:
        threads.pop()
    return ThreadPage(threads=threads, older_than=threads[-1][0].id if threads else None)
