"""A challenge's discussion as pure rules (issue 16): the speaker a form names, the thread a
reply joins, what a comment may say, and pages of whole threads (properties and examples)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain import discussion as rules
from cobudget.domain.discussion import Parent, Speaker, SpeakerKind

MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Comment:
    id: int
    thread: int | None


def test_a_speaker_is_a_lieu_an_organisation_or_oneself() -> None:
    assert rules.parse_speaker("lieu:3", max_id=MAX_ID) == Speaker(SpeakerKind.LIEU, 3)
    assert rules.parse_speaker(" org:12 ", max_id=MAX_ID) == Speaker(SpeakerKind.ORG, 12)
    assert rules.parse_speaker("self", max_id=MAX_ID) == Speaker(SpeakerKind.SELF)
    for bad in ("", "lieu", "lieu:", "lieu:0", "lieu:-1", "lieu:٣", "org:1.5", "self:1", "x:1"):
        assert rules.parse_speaker(bad, max_id=MAX_ID) is None, bad
    assert rules.parse_speaker(f"lieu:{MAX_ID + 1}", max_id=MAX_ID) is None


@given(st.sampled_from([SpeakerKind.LIEU, SpeakerKind.ORG]), st.integers(1, MAX_ID))
def test_a_speaker_reads_back_what_it_writes(kind: SpeakerKind, number: int) -> None:
    speaker = Speaker(kind, number)
    assert rules.parse_speaker(speaker.value, max_id=MAX_ID) == speaker


@given(st.text(max_size=30))
def test_any_text_names_a_valid_speaker_or_none(text: str) -> None:
    speaker = rules.parse_speaker(text, max_id=MAX_ID)
    assert speaker is None or rules.parse_speaker(speaker.value, max_id=MAX_ID) == speaker


@given(st.integers(1, 10**6), st.one_of(st.none(), st.integers(1, 10**6)))
def test_a_reply_joins_the_thread_of_what_it_answers(parent_id: int, thread: int | None) -> None:
    joined = rules.thread_of(Parent(id=parent_id, challenge_id=1, thread_id=thread))
    assert joined == (thread if thread is not None else parent_id)
    # One level of replies: replying to that thread's first comment joins the same thread.
    assert rules.thread_of(Parent(id=joined, challenge_id=1, thread_id=None)) == joined


def _errors(**changes: object) -> dict[str, str]:
    facts: dict[str, object] = {
        "text": "Bonne idée.",
        "challenge_id": 1,
        "current_version": 2,
        "version": None,
        "criterion_id": None,
        "criteria": {5},
        "parent": None,
        "parent_asked": False,
        "replies_in_thread": 0,
    }
    return rules.comment_errors(**(facts | changes))  # type: ignore[arg-type]


def test_what_a_comment_may_say() -> None:
    assert _errors() == {}
    assert _errors(version=2, criterion_id=5) == {}
    assert _errors(text="") == {"discussion.text": "required"}
    assert _errors(text="x" * rules.MAX_TEXT) == {}
    assert _errors(text="x" * (rules.MAX_TEXT + 1)) == {"discussion.text": "too_long:5000"}
    assert _errors(version=3) == {"discussion.version": "unknown_version"}
    assert _errors(version=0) == {"discussion.version": "unknown_version"}
    assert _errors(criterion_id=6) == {"discussion.criterion_id": "unknown_criterion"}
    assert _errors(parent_asked=True) == {"discussion.parent": "unknown_comment"}
    elsewhere = Parent(id=4, challenge_id=2, thread_id=None)
    assert _errors(parent_asked=True, parent=elsewhere) == {"discussion.parent": "unknown_comment"}
    here = Parent(id=4, challenge_id=1, thread_id=None)
    assert _errors(parent_asked=True, parent=here, replies_in_thread=rules.MAX_REPLIES - 1) == {}
    assert _errors(parent_asked=True, parent=here, replies_in_thread=rules.MAX_REPLIES) == {
        "discussion.parent": "thread_full:100"
    }


@st.composite
def discussions(draw: st.DrawFn) -> list[list[int]]:
    """Threads as lists of ids (first comment, then replies), ids growing as they are written."""
    sizes = draw(st.lists(st.integers(1, 12), max_size=30))
    threads: list[list[int]] = [[] for _ in sizes]
    pending = [i for i, size in enumerate(sizes) for _ in range(size)]
    order = draw(st.permutations(pending))
    next_id = 1
    for index in order:  # comments arrive interleaved; a thread's first comment comes first
        threads[index].append(next_id)
        next_id += 1
    return threads


def _read(threads: list[list[int]], before: int | None, limit: int) -> list[Comment]:
    """What the database read gives: threads older than `before`, newest thread first, each
    thread's first comment then its replies, at most `limit + 1` comments."""
    rows = [
        Comment(comment_id, None if k == 0 else thread[0])
        for thread in sorted(threads, key=lambda t: -t[0])
        if before is None or thread[0] < before
        for k, comment_id in enumerate(thread)
    ]
    return rows[: limit + 1]


@given(discussions(), st.integers(12, 40))
def test_pages_hold_whole_threads_and_every_thread_once(
    threads: list[list[int]], limit: int
) -> None:
    """Following the « older » links shows every thread once, whole, newest first, and no page
    holds more than `limit` comments."""
    seen: list[list[int]] = []
    before: int | None = None
    for _ in range(len(threads) + 1):
        page = rules.page_of_threads(_read(threads, before, limit), limit=limit)
        assert sum(1 + len(replies) for _, replies in page.threads) <= limit
        seen += [[root.id] + [reply.id for reply in replies] for root, replies in page.threads]
        if page.older_than is None:
            break
        assert page.threads, "a page that points to older threads shows some"
        before = page.older_than
    assert seen == sorted((t for t in threads if t), key=lambda t: -t[0])


def test_an_empty_discussion_has_one_empty_page() -> None:
    page = rules.page_of_threads([], limit=10)
    assert page.threads == [] and page.older_than is None
