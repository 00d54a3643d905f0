"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, keeping every message
it receives, with Django's default mailer pointed at it.

    from tests.smtpserver import smtp_server  # noqa: F401  (a fixture)

    def test_mail(smtp_server):
        ...  # send mail through Django
        [message] = smtp_server.messages          # email.message.EmailMessage objects
        assert smtp_server.envelopes[0].rcpt_tos == ["bob@example.org"]
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class StoringHandler:
    """Keeps what arrives; thread-safe (the server runs in its own thread)."""

    envelopes: list[Envelope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.envelopes.append(
                Envelope(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self) -> None:
        self.handler = StoringHandler()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def envelopes(self) -> list[Envelope]:
        with self.handler.lock:
            return list(self.handler.envelopes)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.data, policy=email.policy.default) for e in self.envelopes
        ]

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.envelopes.clear()

    @property
    def mailers(self) -> dict:
        """A MAILERS setting sending through this server."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": self.host, "port": self.port, "timeout": 10},
            }
        }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server, with Django's default mailer sending to it."""
    server = SMTPServer()
    server.start()
    settings.MAILERS = server.mailers
    try:
        yield server
    finally:
        server.stop()
