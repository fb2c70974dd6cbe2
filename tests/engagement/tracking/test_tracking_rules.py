"""Tracking rules through the real routes: archived emails, machine agents, unsubscribe (GET never,
POST one-click or form), retries reusing tokens, deleted emails, and the feed's arguments."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import get_settings
from models.emails.tables import Email, EmailStatus
from models.engagement.tracking import TrackingLink
from models.people.tables import Person
from models.sending import outgoing
from models.sending import rules as sending
from tests.api import Api, World
from tests.engagement.tracking.helpers import HUMAN, SCANNER, counters, fetch, send
from tests.engagement.tracking.test_tracking_e2e import ACTIVITY, FEED
from tests.live_clients import bearer, feeds_open, ws_client
from tests.sending.conftest import configure
from tests.sending.helpers import due_email, pk, wait_for_status
from tests.sending.smtp_sink import SmtpSink

ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


async def _action(api: Api, name: str, global_id: str) -> None:
    payload = await api.mutate(name, {"id": global_id}, "email { status }")
    assert payload["userErrors"] == [], payload


async def test_archived_emails_ignore_opens_and_clicks_and_count_again_once_unarchived(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    sent = await send(api, sink, bodyHtml='<p><a href="https://example.com/a">a</a></p>')
    await _action(api, "archiveEmail", sent.global_id)

    pixel = await fetch(api.client, sent.pixel)
    click = await fetch(api.client, sent.clicks[0])
    assert pixel.status_code == 200  # the reader still sees the image and lands on the page
    assert (click.status_code, click.headers["location"]) == (302, "https://example.com/a")
    state = await counters(api, sent.global_id)
    assert state["status"] == "ARCHIVED"
    assert (state["viewCount"], state["clickCount"], state["machineViewCount"]) == (0, 0, 0)
    assert state["events"]["nodes"] == []

    await _action(api, "unarchiveEmail", sent.global_id)
    await fetch(api.client, sent.pixel)
    await fetch(api.client, sent.clicks[0])
    state = await counters(api, sent.global_id)
    assert (state["status"], state["viewCount"], state["clickCount"]) == ("DELIVERED", 1, 1)
    assert [e["kind"] for e in state["events"]["nodes"]] == ["VIEWED", "CLICKED"]


async def test_machine_agents_are_flagged_and_left_out_of_counts_and_the_feed(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    sent = await send(api, sink, bodyHtml='<a href="https://example.com/a">a</a>')
    await fetch(api.client, sent.pixel, agent=SCANNER)
    await fetch(api.client, sent.clicks[0], agent=SCANNER)
    await fetch(api.client, sent.pixel, agent="")  # no user agent at all: a script
    state = await counters(api, sent.global_id)
    assert (state["viewCount"], state["clickCount"]) == (0, 0)
    assert (state["machineViewCount"], state["machineClickCount"]) == (2, 1)
    assert state["firstViewedAt"] is None and state["lastActivityAt"] is None
    assert [e["machine"] for e in state["events"]["nodes"]] == [True, True, True]

    assert (await api(FEED))["activityFeed"]["totalCount"] == 0
    everything = (await api(FEED, includeMachine=True))["activityFeed"]
    assert [(n["kind"], n["machine"]) for n in everything["nodes"]] == [
        ("VIEWED", True),
        ("CLICKED", True),
        ("VIEWED", True),
    ]


async def test_opens_within_seconds_of_delivery_are_machine(
    worker: Any, api: Api, sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, CC_MACHINE_ENGAGEMENT_SECONDS="3600")
    assert get_settings().machine_engagement_seconds == 3600
    sent = await send(api, sink, bodyHtml="<p>Hi</p>")
    await fetch(api.client, sent.pixel, agent=HUMAN)  # a privacy proxy prefetching on arrival
    state = await counters(api, sent.global_id)
    assert (state["viewCount"], state["machineViewCount"]) == (0, 1)


async def test_get_never_unsubscribes_and_one_click_post_does(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    person = await api.create_person("dana@prospect.example", firstName="Dana")
    sent = await send(api, sink, personId=person["id"], bodyHtml="<p>Hi</p>")

    page = await fetch(api.client, sent.unsubscribe)
    assert page.status_code == 200
    assert "<form method='post'" in page.text
    assert (await api.client.head(sent.unsubscribe)).status_code == 200
    assert not (await Person.get(email="dana@prospect.example")).unsubscribed

    response = await api.client.post(
        sent.unsubscribe, content="List-Unsubscribe=One-Click", headers=ONE_CLICK
    )
    assert response.status_code == 200
    assert "unsubscribed" in response.text
    dana = await Person.get(email="dana@prospect.example")
    assert dana.unsubscribed and dana.unsubscribe_reason == "Unsubscribed (one-click)"
    state = await counters(api, sent.global_id)
    [event] = state["events"]["nodes"]
    assert (event["kind"], event["data"]["source"]) == ("UNSUBSCRIBED", "one-click")
    feed = (await api(FEED, kinds=["UNSUBSCRIBED"]))["activityFeed"]
    assert [n["kind"] for n in feed["nodes"]] == ["UNSUBSCRIBED"]

    # A later email to them never leaves.
    draft = await api.create_draft(personId=person["id"], bodyText="Hi again")
    await _action(api, "sendEmailNow", draft["id"])
    later = await wait_for_status(pk(draft["id"]), EmailStatus.FAILED, EmailStatus.DELIVERED)
    assert later.failure_code == "RECIPIENT_UNSUBSCRIBED"
    assert len(sink.received) == 1


async def test_the_confirmation_form_unsubscribes_as_a_link(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    sent = await send(api, sink, to=["lee@prospect.example"], bodyText="Plain text only")
    assert sent.html == ""  # no HTML: no pixel, but the unsubscribe header all the same
    response = await api.client.post(sent.unsubscribe, content=b"", headers=ONE_CLICK)
    assert response.status_code == 200
    lee = await Person.get(email="lee@prospect.example")
    assert lee.unsubscribed and lee.unsubscribe_reason == "Unsubscribed (link)"


async def test_a_retry_reuses_the_email_s_tokens(worker: Any, api: Api) -> None:
    await worker.stop()  # prepare by hand, twice, as a retry after a crash would
    email = await due_email(api.user, body_html='<a href="https://example.com/a">a</a>')
    claimed = await sending.claim(email.id)
    assert claimed is not None
    first = await outgoing.prepare(claimed)
    second = await outgoing.prepare(claimed)
    assert first is not None and second is not None
    assert first.html == second.html and first.headers == second.headers
    assert await TrackingLink.filter(email_id=email.id).count() == 3
    await worker.start()


async def test_a_deleted_email_s_links_are_404_and_its_feed_rows_lose_the_email(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    sent = await send(api, sink, bodyHtml='<a href="https://example.com/a">a</a>')
    await fetch(api.client, sent.clicks[0])
    await _action(api, "archiveEmail", sent.global_id)  # a delivered email is archived first
    payload = await api.mutate("deleteEmail", {"id": sent.global_id}, "deletedEmailId")
    assert payload["userErrors"] == []
    assert not await Email.filter(id=sent.email.id).exists()
    assert (await fetch(api.client, sent.clicks[0])).status_code == 404
    assert (await fetch(api.client, sent.pixel)).status_code == 404
    [row] = (await api(FEED))["activityFeed"]["nodes"]
    assert (row["kind"], row["emailId"], row["email"]) == ("CLICKED", sent.global_id, None)


async def test_feed_pages_newest_first_and_refuses_non_engagement_kinds(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    sent = await send(api, sink, bodyHtml="<p>Hi</p>")
    for _ in range(3):
        await fetch(api.client, sent.pixel)
    first = (await api(FEED, first=2))["activityFeed"]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (3, True)
    rest = (await api(FEED, first=2, after=first["pageInfo"]["endCursor"]))["activityFeed"]
    assert rest["pageInfo"]["hasNextPage"] is False
    ids = [n["id"] for n in first["nodes"] + rest["nodes"]]
    assert len(set(ids)) == 3
    assert (await api(FEED, kinds=["CLICKED"]))["activityFeed"]["totalCount"] == 0

    result = await api.execute(FEED, kinds=["VIEWED", "CREATED"])
    [error] = result["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == "kinds"
    bad_cursor = await api.execute(FEED, after="nonsense")
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_activity_subscription_leaves_machine_events_out_unless_asked(
    worker: Any, live: World, server: str, sink: SmtpSink
) -> None:
    alice = live.alice
    async with ws_client(server, bearer(alice.token)) as ws:
        people = await ws.subscribe(ACTIVITY)
        everything = await ws.subscribe(ACTIVITY, includeMachine=True)
        refused = await ws.subscribe(ACTIVITY, kinds=["SENDING"])
        error = await ws.message(refused)
        assert error["payload"]["data"] is None, error
        assert error["payload"]["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
        await feeds_open(2)
        sent = await send(alice, sink, bodyHtml="<p>Hi</p>")
        await fetch(alice.client, sent.pixel, agent=SCANNER)
        await fetch(alice.client, sent.pixel, agent=HUMAN)
        human = (await ws.next(people))["activity"]
        both = [(await ws.next(everything))["activity"] for _ in range(2)]
    assert (human["kind"], human["machine"]) == ("VIEWED", False)
    assert [item["machine"] for item in both] == [True, False]
    assert both[1]["id"] == human["id"]
