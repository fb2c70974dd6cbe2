"""Helpers for the tracking tests: send through SMTP, read the delivered message's tracking URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx2

from models.emails.tables import Email, EmailStatus
from tests.api import Api
from tests.engagement.tracking.conftest import PUBLIC_URL
from tests.sending.helpers import pk, wait_for_status
from tests.sending.smtp_sink import SmtpSink

HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
SCANNER = "Barracuda Sentinel (EE)"

LINKS_HTML = (
    '<p>Hi {{first_name}}, see <a href="https://example.com/pricing?plan=pro&amp;ref=mail">'
    "pricing</a>, <A HREF='https://example.com/docs'>the docs</A>, "
    '<a href="mailto:alice@a.example">write</a>, <a href="tel:+15550100">call</a>, '
    '<a href="#top">top</a> or <a class="x" href="https://example.com/docs">the docs again</a>.</p>'
)


@dataclass
class Sent:
    global_id: str
    email: Email
    message: EmailMessage
    html: str

    @property
    def hrefs(self) -> list[str]:
        return re.findall(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']*)["']""", self.html, re.I)

    @property
    def pixel(self) -> str:
        [src] = re.findall(r'<img src="([^"]+\.gif)"', self.html)
        return local(src)

    @property
    def clicks(self) -> list[str]:
        return [local(h) for h in self.hrefs if h.startswith(f"{PUBLIC_URL}/t/c/")]

    @property
    def unsubscribe(self) -> str:
        header = str(self.message["List-Unsubscribe"])
        assert header.startswith("<") and header.endswith(">"), header
        return local(header[1:-1])


def local(url: str) -> str:
    """The path of one of our public URLs (tests call the app, not track.example)."""
    assert url.startswith(PUBLIC_URL + "/"), url
    return url.removeprefix(PUBLIC_URL)


async def send(api: Api, sink: SmtpSink, **fields: Any) -> Sent:
    """Compose and send now through the worker and the SMTP sink; the delivered message."""
    draft = await api.create_draft(**fields)
    payload = await api.mutate("sendEmailNow", {"id": draft["id"]}, "email { id }")
    assert payload["userErrors"] == [], payload
    email = await wait_for_status(pk(draft["id"]), EmailStatus.DELIVERED, EmailStatus.FAILED)
    assert email.status is EmailStatus.DELIVERED, email.failure_detail
    [received] = [r for r in sink.received if r.message_id == email.message_id]
    html = received.message.get_body(("html",))
    return Sent(draft["id"], email, received.message, html.get_content() if html else "")


async def fetch(client: httpx2.AsyncClient, path: str, agent: str = HUMAN) -> httpx2.Response:
    return await client.get(path, headers={"User-Agent": agent}, follow_redirects=False)


COUNTERS = """query($id: ID!) { email(id: $id) {
  status viewCount clickCount machineViewCount machineClickCount firstViewedAt lastActivityAt
  events(kinds: [VIEWED, CLICKED, UNSUBSCRIBED]) { nodes { kind machine data } }
} }"""


async def counters(api: Api, global_id: str) -> dict[str, Any]:
    email: dict[str, Any] = (await api(COUNTERS, id=global_id))["email"]
    return email
