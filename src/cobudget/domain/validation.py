"""Pure checks of what people type, collected field by field so a form shows every problem.

Each check returns the cleaned value or records a message code for the field; `raise_if_any`
turns the collected codes into one `InvalidInput`.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from zoneinfo import ZoneInfo

from cobudget.domain.errors import InvalidInput

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE_CHARACTERS = frozenset("0123456789 .-()")
PHONE_MAX_LENGTH = 30
PASSWORD_MIN_LENGTH = 10


class LegalForm(StrEnum):
    """Legal forms a lieu can have (SPEC §1: eligibility is the network's decision)."""

    ASSOCIATION = "association"
    SCIC = "scic"
    SCOP = "scop"
    SAS = "sas"
    PUBLIC_BODY = "public"
    OTHER = "other"


class CofunderKind(StrEnum):
    COLLECTIVITE = "collectivite"
    FONDATION = "fondation"
    ENTREPRISE = "entreprise"
    OTHER = "other"


class Checker:
    """Collects field errors; one instance per form submission."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, field: str, code: str) -> None:
        self.errors.setdefault(field, code)

    def text(self, field: str, value: str | None, *, max_length: int, required: bool = True) -> str:
        cleaned = " ".join((value or "").split()) if max_length <= 300 else (value or "").strip()
        if required and not cleaned:
            self.fail(field, "required")
        elif len(cleaned) > max_length:
            self.fail(field, f"too_long:{max_length}")
        return cleaned

    def email(self, field: str, value: str | None) -> str:
        cleaned = (value or "").strip().lower()
        if not cleaned:
            self.fail(field, "required")
        elif len(cleaned) > 254 or not EMAIL_PATTERN.match(cleaned):
            self.fail(field, "invalid_email")
        return cleaned

    def optional_email(self, field: str, value: str | None) -> str:
        """An email that may be left empty (a lieu's public contact)."""
        if not (value or "").strip():
            return ""
        return self.email(field, value)

    def phone(self, field: str, value: str | None) -> str:
        """A phone number that may be left empty, as people write it: digits, spaces, dots,
        dashes and brackets, a leading + for an international number; 6 to 15 digits
        (ITU-T E.164 numbers have at most 15). Kept as typed, with its spaces made single."""
        cleaned = " ".join((value or "").split())
        if not cleaned:
            return ""
        digits = sum(char.isdigit() for char in cleaned)
        body = cleaned.removeprefix("+")
        if (
            len(cleaned) > PHONE_MAX_LENGTH
            or not 6 <= digits <= 15
            or not all(char in PHONE_CHARACTERS for char in body)
        ):
            self.fail(field, "invalid_phone")
        return cleaned

    def password(self, field: str, value: str | None, confirmation: str | None) -> str:
        password = value or ""
        if len(password) < PASSWORD_MIN_LENGTH:
            self.fail(field, f"password_too_short:{PASSWORD_MIN_LENGTH}")
        elif len(password) > 200:
            self.fail(field, "too_long:200")
        elif confirmation is not None and confirmation != password:
            self.fail("password_confirmation", "password_mismatch")
        return password

    def choice(self, field: str, value: str | None, allowed: type[StrEnum]) -> str:
        cleaned = (value or "").strip()
        if cleaned not in {member.value for member in allowed}:
            self.fail(field, "invalid_choice")
        return cleaned

    def positive_int(self, field: str, value: str | int | None, *, maximum: int) -> int:
        try:
            number = value if isinstance(value, int) else int((value or "").strip())
        except ValueError:
            self.fail(field, "not_a_whole_number")
            return 0
        if not 1 <= number <= maximum:
            self.fail(field, f"out_of_range:1:{maximum}")
        return number

    def local_datetime(self, field: str, value: str | None, zone: str) -> dt.datetime | None:
        """A date and time as a browser's datetime-local field sends it ("2026-12-01T18:00"),
        read in the network's time zone and returned in UTC."""
        try:
            naive = dt.datetime.fromisoformat((value or "").strip())
        except ValueError:
            self.fail(field, "invalid_datetime")
            return None
        if naive.tzinfo is not None:
            self.fail(field, "invalid_datetime")
            return None
        return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def slugify(text: str) -> str:
    """A URL-safe name: lower case ASCII words joined by dashes."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "x"
