"""A real SMTP server on a local port (aiosmtpd), for the tests and bench/bench_reviews.py."""

import email
import socket
import time
from contextlib import contextmanager
from email import policy

from aiosmtpd.controller import Controller


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and refuses the addresses in `refused`."""

    def __init__(self, refused=()):
        self.refused = set(refused)
        self.received = []
        # When each message was received (time.monotonic()), for bench/bench_reviews.py.
        self.received_at = []

    # A method, not a property: aiosmtpd reads every attribute of its handler for each
    # connection (SMTP.__init__ calls inspect.getmembers()), which would parse them all.
    def messages(self):
        """The messages received, parsed."""
        return [email.message_from_bytes(raw, policy=policy.default) for raw in self.received]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        self.received_at.append(time.monotonic())
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def mail_server(refused=()):
    """Serve SMTP on 127.0.0.1; yield (port, mailbox)."""
    mailbox = Mailbox(refused)
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


def text_and_html(message):
    """The plain-text and HTML bodies of a message, with the line ends SMTP gave them as "\\n"."""
    return tuple(
        message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html")
    )
