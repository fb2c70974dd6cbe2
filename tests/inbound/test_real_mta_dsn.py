"""The real-MTA bounce path end to end: we send through a relay (a real aiosmtpd server) that
accepts the message, then fails one recipient on its onward delivery and does what a real MTA
does: writes an RFC 3464 DSN and delivers it over SMTP, from the null sender, to the MAIL FROM it
received (our signed return path), at our inbound listener. The email becomes BOUNCED."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from models.emails.tables import EmailEvent, EmailEventKind, EmailStatus
from models.inbound import verp
from models.inbound.tables import InboundMessage, InboundOutcome
from tests.api import Api
from tests.sending.conftest import configure
from tests.sending.helpers import due_email, wait_for_status, wait_until

GONE = "gone@prospect.example"


def dsn(return_path: str, failed: str, original: bytes) -> bytes:
    """A Postfix-style delivery status notification (RFC 3464) for one failed recipient."""
    headers = original.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    boundary = f"dsn-{uuid.uuid4().hex}"
    text = f"""From: Mail Delivery System <MAILER-DAEMON@relay.test>
To: {return_path}
Subject: Undelivered Mail Returned to Sender
Date: {formatdate()}
Message-ID: <{uuid.uuid4().hex}@relay.test>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host relay.test. Your message could not be delivered to
one or more recipients.

<{failed}>: host mx.prospect.example said: 550 5.1.1 User unknown

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.test
Arrival-Date: {formatdate()}

Final-Recipient: rfc822; {failed}
Original-Recipient: rfc822;{failed}
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.prospect.example
Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: Recipient address rejected: User unknown

--{boundary}
Content-Type: text/rfc822-headers

{headers}
--{boundary}--
"""
    return text.replace("\n", "\r\n").encode()


@dataclass
class Relay:
    """Accepts everything at SMTP time; onward delivery to `refused` fails afterwards."""

    inbound_port: int
    refused: set[str]
    port: int = 0
    accepted: list[tuple[str, list[str]]] = field(default_factory=list)
    reports_sent: list[tuple[str, str]] = field(default_factory=list)  # (MAIL FROM, RCPT TO)
    errors: list[BaseException] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mail_from, rcpts = str(envelope.mail_from), list(envelope.rcpt_tos)
        self.accepted.append((mail_from, rcpts))
        data = envelope.original_content or b""
        # Queued: the onward delivery and its failure happen after the client got its 250.
        self._loop.create_task(self._deliver_onward(mail_from, rcpts, data))
        return "250 2.0.0 Ok: queued"

    async def _deliver_onward(self, mail_from: str, rcpts: list[str], data: bytes) -> None:
        try:
            for rcpt in rcpts:
                if rcpt.lower() in self.refused and mail_from:  # never bounce a bounce
                    report = dsn(mail_from, rcpt, data)
                    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=self.inbound_port)
                    async with client:
                        await client.sendmail("", [mail_from], report)  # MAIL FROM:<>
                    self.reports_sent.append(("", mail_from))
        except BaseException as error:  # surfaced by the test
            self.errors.append(error)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

        async def serve() -> asyncio.AbstractServer:
            return await self._loop.create_server(
                lambda: SMTP(self, hostname="relay.test"), "127.0.0.1", 0
            )

        self._server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)


@pytest.fixture
def relay(inbound_smtp: int, smtp_settings: pytest.MonkeyPatch) -> Iterator[Relay]:
    server = Relay(inbound_smtp, {GONE})
    server.start()
    configure(smtp_settings, CC_SMTP_URL=server.url)  # the worker sends through the relay
    yield server
    server.stop()


async def test_a_relay_bounce_to_the_return_path_marks_the_email_bounced(
    api: Api, relay: Relay, worker: Any
) -> None:
    email = await due_email(api.user, to=["kept@prospect.example", GONE])
    await wait_for_status(email.id, EmailStatus.DELIVERED, EmailStatus.BOUNCED)
    [(mail_from, rcpts)] = relay.accepted
    assert mail_from == verp.return_path(email.id) and sorted(rcpts) == [
        GONE,
        "kept@prospect.example",
    ]

    bounced = await wait_for_status(email.id, EmailStatus.BOUNCED, within=20)
    assert not relay.errors and relay.reports_sent == [("", mail_from)]
    assert bounced.failure_code == "BOUNCE_REPORTED"
    assert bounced.failure_detail is not None and f"{GONE}: failed 5.1.1" in bounced.failure_detail

    # The email moves first (the recorder's transaction), the inbound row is finished just after.
    async def recorded() -> bool:
        return await InboundMessage.exists(email_id=email.id)

    await wait_until(recorded, what="the delivery report to be recorded")
    record = await InboundMessage.get(email_id=email.id)
    assert (record.outcome, record.via.value) == (InboundOutcome.BOUNCE_PERMANENT, "SMTP")
    assert (record.envelope_from, record.envelope_to) == ("", mail_from)
    event = await EmailEvent.get(email_id=email.id, kind=EmailEventKind.BOUNCED)
    assert event.data["recipients"] == [GONE]
