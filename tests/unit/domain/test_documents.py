"""What a file is, from its first bytes (issue 17): the known signatures and nothing else; the
declared name and type never count; the name shown is made safe."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain import documents as rules
from cobudget.domain.errors import InvalidInput
from tests.support.documents import tiny_pdf, tiny_png

SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF")
MB = 1024 * 1024


def _known(head: bytes) -> bool:
    return head.startswith(SIGNATURES[:3]) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


@given(st.binary(max_size=64))
def test_random_bytes_never_crash_and_are_refused_unless_they_start_with_a_signature(
    data: bytes,
) -> None:
    found = rules.detect_type(data)
    assert (found is not None) == _known(data)
    for kind in rules.Kind:
        if found in rules.ACCEPTED[kind]:
            assert rules.check_file(kind, data, max(1, len(data)), MB) == found
        else:
            with pytest.raises(InvalidInput):
                rules.check_file(kind, data, max(1, len(data)), MB)


@given(st.sampled_from([b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]), st.binary(max_size=32))
def test_a_known_signature_is_its_type_whatever_follows(signature: bytes, rest: bytes) -> None:
    assert rules.detect_type(signature + rest) is not None


def test_real_files_are_recognised() -> None:
    assert rules.detect_type(tiny_pdf()) == rules.PDF
    assert rules.detect_type(tiny_png()) == rules.PNG
    assert rules.detect_type(b"RIFF\x24\x00\x00\x00WEBPVP8 ") == rules.WEBP
    assert rules.detect_type(b"\xff\xd8\xff\xe0\x00\x10JFIF") == rules.JPEG


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><html></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"<svg onload=alert(1)>",
        b"GIF89a\x01\x00",
        b"  %PDF-1.4",  # not at the start
        b"RIFF\x00\x00\x00\x00WAVE",
    ],
)
def test_html_svg_and_other_types_are_refused_for_every_kind(content: bytes) -> None:
    for kind in rules.Kind:
        with pytest.raises(InvalidInput):
            rules.check_file(kind, content, len(content), MB)


def test_a_picture_is_never_a_pdf() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_file(rules.Kind.CHALLENGE_PICTURE, tiny_pdf(), len(tiny_pdf()), MB)
    assert refused.value.fields == {"file": "file_not_picture"}
    assert rules.check_file(rules.Kind.RECEIPT, tiny_pdf(), 10, MB) == rules.PDF


def test_empty_and_too_big_say_so() -> None:
    with pytest.raises(InvalidInput) as empty:
        rules.check_file(rules.Kind.RECEIPT, b"", 0, MB)
    assert empty.value.fields == {"file": "file_required"}
    with pytest.raises(InvalidInput) as big:
        rules.check_file(rules.Kind.RECEIPT, tiny_pdf(), 10 * MB + 1, 10 * MB)
    assert big.value.fields == {"file": "file_too_big:10"}
    assert rules.megabytes(MB // 2) == "0,5"


@pytest.mark.parametrize(
    ("name", "content_type", "shown"),
    [
        ("facture.pdf", rules.PDF, "facture.pdf"),
        ("../../etc/passwd", rules.PDF, "passwd.pdf"),
        ("C:\\Users\\moi\\Reçu été.PDF", rules.PDF, "Reçu été.pdf"),
        ("page.html", rules.PDF, "page.html.pdf"),
        ("photo.jpeg", rules.JPEG, "photo.jpg"),
        ('a"b<c>\x00\n.png', rules.PNG, "abc.png"),
        ("", rules.PNG, "document.png"),
        ("...", rules.WEBP, "document.webp"),
    ],
)
def test_the_name_shown_is_made_safe_and_ends_with_its_checked_type(
    name: str, content_type: str, shown: str
) -> None:
    assert rules.safe_name(name, content_type) == shown


@given(st.text(max_size=400), st.sampled_from(sorted(rules.EXTENSIONS)))
def test_any_name_becomes_a_short_name_without_folders_or_controls(
    name: str, content_type: str
) -> None:
    safe = rules.safe_name(name, content_type)
    assert 0 < len(safe) <= rules.MAX_NAME_LENGTH
    assert "/" not in safe and "\\" not in safe and '"' not in safe
    assert all(char.isprintable() for char in safe)
    assert safe.endswith("." + rules.EXTENSIONS[content_type])
