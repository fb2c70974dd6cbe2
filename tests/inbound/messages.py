"""Inbound messages for the tests: replies written here, and real reports from the corpus with
the reported message's Message-ID swapped for one of ours; delivering them and waiting until they
are processed (processing runs off the event loop, after the 250 / 202)."""

from __future__ import annotations

import asyncio
import email.utils
import re
import uuid
from pathlib import Path

import aiosmtplib

from config.settings import get_settings
from models.emails.tables import Email
from models.inbound import verp
from models.inbound.processing import process_received
from models.inbound.receiving import receive
from models.inbound.tables import InboundMessage, InboundOutcome, InboundVia
from workers import inbound

PROSPECT = "prospect@example.com"

CORPUS = Path(__file__).resolve().parent.parent / "data" / "bounces"

# Corpus reports and the Message-ID of the message each one reports.
PERMANENT_DSN = ("dsn_10.txt", "<200210211625.12753.b.a.dude@example.com>")  # Postfix, 5.0.0
DELAYED_DSN = ("dsn_05.txt", "<pfchbtkf3j0p7prf0sp45vi21fro3bs7ad@4ax.com>")  # 4.4.1 delayed
EXIM_BOUNCE = ("exim_01.txt", "<19990920022322.A19735@stereo.rotzorg.org>")  # not a DSN
YAHOO_DSN = ("yahoo_13.txt", "<130907fb-848c-d154-8e59-ed1e08319fcf@yahoo.com>")
# The recipient each report says failed (tests/data/bounces/expected.tsv): a report is applied
# only to an email sent to it.
FAILED = {
    "dsn_10.txt": "anne.person@dom.ain",
    "dsn_05.txt": "userx@example.cz",
    "exim_01.txt": "userx@its.example.nl",
    "yahoo_13.txt": "bogus-address@example.net",
}


def _headers(**fields: str) -> str:
    return "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in fields.items())


def new_id() -> str:
    return f"<{uuid.uuid4().hex}@prospect.example>"


def reply(
    in_reply_to: str,
    *,
    subject: str = "Re: Hello",
    sender: str = "prospect@example.com",
    message_id: str | None = None,
    extra: dict[str, str] | None = None,
    references: str | None = None,
) -> bytes:
    head = _headers(
        From=f"Pat Prospect <{sender}>",
        To="alice@a.example",
        Subject=subject,
        Date=email.utils.formatdate(),
        Message_ID=message_id or new_id(),
        In_Reply_To=in_reply_to,
        References=references or in_reply_to,
        **(extra or {}),
    )
    body = "Thanks, let's talk on Tuesday.\r\n\r\n> Hello\r\n"
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def auto_reply(in_reply_to: str, **kwargs: object) -> bytes:
    extra = {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}
    return reply(in_reply_to, subject="Out of Office: Hello", extra=extra, **kwargs)  # type: ignore[arg-type]


def corpus_report(sample: tuple[str, str], ours: str) -> bytes:
    """A real report from the corpus, about our message instead of the original one."""
    name, original = sample
    raw = (CORPUS / name).read_bytes()
    assert original.encode() in raw, f"{original} not in {name}"
    return raw.replace(original.encode(), ours.encode())


def arf_report(
    ours: str, *, recipient: str = "prospect@example.com", token: str | None = None
) -> bytes:
    """An RFC 5965 feedback report (after its Appendix B example) about our message; `token`
    is the X-CC-Token the quoted original carries (what we sent had one)."""
    boundary = "part1_13d.2e68ed54_boundary"
    quoted_token = f"X-CC-Token: {token}\n" if token else ""
    return f"""From: <abusedesk@example.com>
Date: Thu, 8 Mar 2005 17:40:36 EDT
Subject: FW: Hello
To: <abuse@a.example>
Message-ID: {new_id()}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
     boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset="US-ASCII"
Content-Transfer-Encoding: 7bit

This is an email abuse report for an email message received from IP
192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.  For more information
about this format please see http://www.mipassoc.org/arf/.

--{boundary}
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <alice@a.example>
Original-Rcpt-To: <{recipient}>
Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT
Reporting-MTA: dns; mail.example.com
Source-IP: 192.0.2.1

--{boundary}
Content-Type: message/rfc822
Content-Disposition: inline

From: <alice@a.example>
Received: from mailserver.example.net (mailserver.example.net
     [192.0.2.1]) by example.com with ESMTP id M63d4137594e46;
     Thu, 08 Mar 2005 14:00:00 -0400
To: <{recipient}>
Subject: Hello
MIME-Version: 1.0
Content-type: text/plain
Message-ID: {ours}
{quoted_token}Date: Thu, 02 Sep 2004 12:31:03 -0500

Hi there

--{boundary}--
""".replace("\n", "\r\n").encode()


async def smtp_deliver(
    port: int, raw: bytes, *, mail_from: str | None = None, rcpt_to: str | None = None
) -> str:
    """Deliver `raw` to the inbound listener and wait until it is processed: the server's reply
    text followed by the outcome. SMTP errors propagate. Reports come with the null reverse-path
    (MAIL FROM:<>), replies from the prospect; `rcpt_to` defaults to a plain inbound address
    (reports need an email's return path: `verp.return_path(email.id)`)."""
    if mail_from is None:
        mail_from = "" if b"multipart/report" in raw or b"MAILER-DAEMON" in raw else PROSPECT
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10) as client:
        # The null reverse-path (MAIL FROM:<>) is what real delivery reports use.
        _errors, response = await client.sendmail(mail_from, [rcpt_to or "inbound@cc.example"], raw)
    found = re.search(r" as (\d+)", response)
    if found is None:
        return response
    return f"{response} {(await processed(int(found.group(1)))).outcome.value}"


def return_path(email_id: int) -> str:
    return verp.return_path(email_id)


async def processed(inbound_id: int, within: float = 20.0) -> InboundMessage:
    """The inbound row once processing is over (it runs as a task of this loop in tests)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        await inbound.drain()
        record = await InboundMessage.get(id=inbound_id)
        if record.outcome is not InboundOutcome.RECEIVED:
            return record
        assert loop.time() < deadline, f"inbound message {inbound_id} is still RECEIVED"
        await asyncio.sleep(0.02)


async def process(raw: bytes, via: InboundVia) -> InboundMessage:
    """Receive and process one message in this task, as a real mail system would hand it over: a
    delivery report (null sender) to the return path of the email whose Message-ID it quotes, as
    an MTA bounces to the original's MAIL FROM; anything else to a plain inbound address."""
    envelope_from: str | None = None
    envelope_to = ["inbound@cc.example"]
    if b"multipart/report" in raw or b"MAILER-DAEMON" in raw:
        domain = re.escape(get_settings().message_id_domain.encode())
        quoted = re.findall(rb"<[0-9a-f]{32}@" + domain + rb">", raw, re.IGNORECASE)
        ids = [found.decode("ascii").lower() for found in quoted]
        email = await Email.filter(message_id__in=ids).first() if ids else None
        if email is not None:
            envelope_from, envelope_to = "", [verp.return_path(email.id)]
    receipt = await receive(raw, via, envelope_from=envelope_from, envelope_to=envelope_to)
    await process_received(receipt.record.id)
    return await InboundMessage.get(id=receipt.record.id)
