"""A real SMTP server (aiosmtpd) on a free local port, keeping what it receives."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.text import plain


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    # A slow server: each message is kept this long before it is acknowledged.
    delay_seconds: float = 0.0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(
        self, address: str, timeout: float = 15.0, subject: str = ""
    ) -> EmailMessage:
        """The latest email to `address` (whose subject holds `subject`, when given: the
        outbox worker may send another email to the same person meanwhile, such as a round
        told closed at its deadline)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = [m for m in self.to(address) if subject in plain(str(m["Subject"]))]
            if received:
                return received[-1]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no email {subject!r} reached {address} within {timeout} s")


def body_of(message: EmailMessage) -> str:
    """The text of an email as a reader reads it (French no-break spaces read as spaces)."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return plain(str(part.get_content()))


def link_in(message: EmailMessage) -> str:
    match = re.search(r"https?://\S+", body_of(message))
    assert match, "the email holds no link"
    return match.group(0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_smtp_server(delay_seconds: float = 0.0) -> tuple[Controller, Mailbox, int]:
    mailbox = Mailbox(delay_seconds=delay_seconds)
    port = free_port()  # aiosmtpd cannot bind port 0
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox, port
