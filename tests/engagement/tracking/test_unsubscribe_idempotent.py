"""A repeated one-click unsubscribe (mail clients resend the POST; people click twice) records one
UNSUBSCRIBED event and changes the person once, also when the requests run concurrently."""

from __future__ import annotations

import asyncio
from typing import Any

from models.emails.tables import EmailEvent, EmailEventKind
from models.people.tables import Person
from tests.api import Api
from tests.engagement.tracking.helpers import send
from tests.sending.smtp_sink import SmtpSink

ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_repeated_and_concurrent_one_click_unsubscribes_count_once(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    person = await api.create_person("dana@prospect.example", firstName="Dana")
    sent = await send(api, sink, personId=person["id"], bodyHtml="<p>Hi</p>")

    async def one_click() -> int:
        response = await api.client.post(
            sent.unsubscribe, content="List-Unsubscribe=One-Click", headers=ONE_CLICK
        )
        return response.status_code

    assert await one_click() == 200
    first = await Person.get(email="dana@prospect.example")
    assert first.unsubscribed and first.unsubscribed_at is not None
    assert await one_click() == 200  # the same request again
    assert await asyncio.gather(*(one_click() for _ in range(5))) == [200] * 5

    events = await EmailEvent.filter(email_id=sent.email.id, kind=EmailEventKind.UNSUBSCRIBED)
    assert len(events) == 1 and events[0].data["source"] == "one-click"
    again = await Person.get(id=first.id)
    assert (again.unsubscribed_at, again.unsubscribe_reason) == (
        first.unsubscribed_at,
        "Unsubscribed (one-click)",
    )


async def test_concurrent_first_unsubscribes_record_one_event(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    """No request has unsubscribed the person yet: of the concurrent ones exactly one wins."""
    sent = await send(api, sink, to=["erin@prospect.example"], bodyHtml="<p>Hi</p>")
    answers = await asyncio.gather(
        *(
            api.client.post(
                sent.unsubscribe, content="List-Unsubscribe=One-Click", headers=ONE_CLICK
            )
            for _ in range(6)
        )
    )
    assert [a.status_code for a in answers] == [200] * 6
    assert (
        await EmailEvent.filter(email_id=sent.email.id, kind=EmailEventKind.UNSUBSCRIBED).count()
        == 1
    )
    assert await Person.filter(email="erin@prospect.example", unsubscribed=True).count() == 1
