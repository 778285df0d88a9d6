"""Files for the tests of documents, made by the test (no binary is committed): a tiny valid PNG
and PDF, and a document row with its file, as an upload leaves them."""

from __future__ import annotations

import hashlib
import secrets
import struct
import zlib
from typing import Any

from cobudget.db.tables import Document
from cobudget.services import storage
from cobudget.services.clock import now
from cobudget.settings import Settings


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG of `width` × `height` grey pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def tiny_pdf(text: str = "Facture") -> bytes:
    """A valid one-page PDF (its cross-reference offsets computed)."""
    stream = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


async def document(settings: Settings, *, kind: str, content: bytes, **owner: Any) -> int:
    """A document row with its file in the settings' folder; its id."""
    key = secrets.token_hex(16)
    path = storage.path_of(settings.documents_path, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    is_pdf = content.startswith(b"%PDF")
    rows = await Document.insert(
        Document(
            kind=kind,
            storage_key=key,
            name="justificatif.pdf" if is_pdf else "image.png",
            content_type="application/pdf" if is_pdf else "image/png",
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            created_at=now(),
            **owner,
        )
    ).returning(Document.id)
    return int(rows[0]["id"])


def stored_files(settings: Settings) -> set[str]:
    """The names of the files in the documents folder (temporary ones included)."""
    root = settings.documents_path
    return {path.name for path in root.glob("*/*")} if root.is_dir() else set()
