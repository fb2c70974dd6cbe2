"""Inbound messages for the tests: replies written here, and real reports from the corpus with
the reported message's Message-ID swapped for one of ours."""

from __future__ import annotations

import email.utils
import uuid
from pathlib import Path

import aiosmtplib

PROSPECT = "prospect@example.com"

CORPUS = Path(__file__).resolve().parent.parent / "data" / "bounces"

# Corpus reports and the Message-ID of the message each one reports.
PERMANENT_DSN = ("dsn_10.txt", "<200210211625.12753.b.a.dude@example.com>")  # Postfix, 5.0.0
DELAYED_DSN = ("dsn_05.txt", "<pfchbtkf3j0p7prf0sp45vi21fro3bs7ad@4ax.com>")  # 4.4.1 delayed
EXIM_BOUNCE = ("exim_01.txt", "<19990920022322.A19735@stereo.rotzorg.org>")  # not a DSN
YAHOO_DSN = ("yahoo_13.txt", "<130907fb-848c-d154-8e59-ed1e08319fcf@yahoo.com>")


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


def arf_report(ours: str, *, recipient: str = "prospect@example.com") -> bytes:
    """An RFC 5965 feedback report (after its Appendix B example) about our message."""
    boundary = "part1_13d.2e68ed54_boundary"
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
Date: Thu, 02 Sep 2004 12:31:03 -0500

Hi there

--{boundary}--
""".replace("\n", "\r\n").encode()


async def smtp_deliver(port: int, raw: bytes, *, mail_from: str | None = None) -> str:
    """Deliver `raw` to the inbound listener; the server's reply text. SMTP errors propagate.
    Reports come with the null reverse-path (MAIL FROM:<>), replies from the prospect."""
    if mail_from is None:
        mail_from = "" if b"multipart/report" in raw or b"MAILER-DAEMON" in raw else PROSPECT
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10) as client:
        # The null reverse-path (MAIL FROM:<>) is what real delivery reports use.
        _errors, response = await client.sendmail(mail_from, ["inbound@cc.example"], raw)
    return response
