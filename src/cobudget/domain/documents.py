"""Documents as pure rules (issue 17): what a file is, judged from its first bytes, never from
the name or the type the browser declares; which kinds of file each attachment takes; how big;
and the name shown for it.

A receipt (« justificatif ») of a follow-up report is a PDF or a picture; the picture of a
challenge or of a lieu is a picture only (PNG, JPEG or WebP). SVG and HTML are never taken: a
browser runs what they hold.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from cobudget.domain.errors import InvalidInput

# How many first bytes `detect_type` needs to know every type it knows.
SIGNATURE_BYTES = 12
MAX_NAME_LENGTH = 120
# The most files one report holds (all its lines together).
MAX_FILES_PER_REPORT = 20


class Kind(StrEnum):
    RECEIPT = "receipt"  # of a report, or of one of its budget lines
    CHALLENGE_PICTURE = "challenge_picture"
    LIEU_PICTURE = "lieu_picture"


PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"

PICTURE_TYPES = frozenset({PNG, JPEG, WEBP})
ACCEPTED = {
    Kind.RECEIPT: frozenset({PDF, *PICTURE_TYPES}),
    Kind.CHALLENGE_PICTURE: PICTURE_TYPES,
    Kind.LIEU_PICTURE: PICTURE_TYPES,
}
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", WEBP: "webp"}


def detect_type(head: bytes) -> str | None:
    """The type of a file from its first bytes (at least SIGNATURE_BYTES of them when the file
    is that long), or None when it is none of the types we take."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def check_file(kind: Kind, head: bytes, size: int, max_bytes: int) -> str:
    """The checked type of an uploaded file, or InvalidInput on `file`: none sent, a type this
    kind does not take (whatever its name says), or above `max_bytes`."""
    if size == 0:
        raise InvalidInput({"file": "file_required"})
    if size > max_bytes:
        raise InvalidInput({"file": f"file_too_big:{megabytes(max_bytes)}"})
    found = detect_type(head)
    if found is None or found not in ACCEPTED[kind]:
        code = "file_not_picture" if kind is not Kind.RECEIPT else "file_type_refused"
        raise InvalidInput({"file": code})
    return found


def megabytes(size: int) -> str:
    """A size limit in megabytes as a message says it: « 10 », « 0,5 »."""
    value = size / (1024 * 1024)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def safe_name(name: str, content_type: str) -> str:
    """The file name shown and offered at download: the sender's name without its folders, its
    control and path characters, trimmed to MAX_NAME_LENGTH, and ending with the extension of
    its checked type (a « facture.html » that holds a PDF is offered as « facture.html.pdf »)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        " " if unicodedata.category(char).startswith(("C", "Z")) else char
        for char in unicodedata.normalize("NFC", base)
        if char not in '"<>:|?*'
    )
    cleaned = " ".join(cleaned.split()).strip(". ")
    extension = EXTENSIONS[content_type]
    stem, dot, suffix = cleaned.rpartition(".")
    if dot and suffix.lower() in {extension, "jpeg" if extension == "jpg" else extension}:
        cleaned = stem.strip(". ")
    cleaned = cleaned[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(". ") or "document"
    return f"{cleaned}.{extension}"
