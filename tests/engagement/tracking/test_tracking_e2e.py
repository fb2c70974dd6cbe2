"""Open and click tracking end to end: an email sent through the real SMTP path, its delivered
message's headers and HTML, then the pixel and the links fetched over HTTP on a uvicorn server,
the counters and events through GraphQL, and the `activity` subscription over a WebSocket."""

from __future__ import annotations

from typing import Any

from models.emails.tables import Email, EmailEvent, EmailEventKind
from models.engagement import recorders as engagement
from models.engagement.tracking import TrackingKind, TrackingLink
from tests.api import World
from tests.engagement.tracking.conftest import PUBLIC_URL
from tests.engagement.tracking.helpers import HUMAN, LINKS_HTML, counters, fetch, send
from tests.live_clients import bearer, feeds_open, ws_client
from tests.sending.smtp_sink import SmtpSink

ACTIVITY = """subscription($kinds: [EmailEventKind!], $includeMachine: Boolean) {
  activity(kinds: $kinds, includeMachine: $includeMachine) {
    id kind machine data emailId email { id subject person { email } }
  }
}"""
FEED = """query($first: Int, $after: String, $kinds: [EmailEventKind!], $includeMachine: Boolean) {
  activityFeed(first: $first, after: $after, kinds: $kinds, includeMachine: $includeMachine) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id kind machine data emailId email { id subject person { email } } }
  }
}"""


async def test_delivered_message_is_instrumented_and_opens_and_clicks_are_counted_live(
    worker: Any, live: World, server: str, sink: SmtpSink
) -> None:
    alice = live.alice
    person = await alice.create_person("dana@prospect.example", firstName="Dana")
    async with (
        ws_client(server, bearer(alice.token)) as alice_ws,
        ws_client(server, bearer(live.lead_a.token)) as lead_ws,
        ws_client(server, bearer(live.carol.token)) as carol_ws,
    ):
        alice_op = await alice_ws.subscribe(ACTIVITY)
        lead_op = await lead_ws.subscribe(ACTIVITY, kinds=["CLICKED"])
        carol_op = await carol_ws.subscribe(ACTIVITY)
        await feeds_open(3)

        sent = await send(
            alice,
            sink,
            personId=person["id"],
            subject="Pricing",
            bodyHtml=LINKS_HTML,
        )

        # Headers: RFC 8058 one-click unsubscribe on every email.
        assert sent.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert str(sent.message["List-Unsubscribe"]).startswith(f"<{PUBLIC_URL}/u/")
        # Links: web links through one token per distinct URL; others untouched.
        hrefs = sent.hrefs
        assert hrefs[2:5] == ["mailto:alice@a.example", "tel:+15550100", "#top"]
        tracked = [hrefs[0], hrefs[1], hrefs[5]]
        assert all(h.startswith(f"{PUBLIC_URL}/t/c/") for h in tracked)
        assert hrefs[1] == hrefs[5] != hrefs[0]  # the docs link twice: one token
        assert "example.com" not in sent.html  # no original destination left in the HTML
        assert "<A " in sent.html and "Hi Dana" in sent.html  # the rest is the author's HTML
        links = await TrackingLink.filter(email_id=sent.email.id).order_by("id")
        assert sorted((link.kind, link.url or "") for link in links) == [
            (TrackingKind.CLICK, "https://example.com/docs"),
            (TrackingKind.CLICK, "https://example.com/pricing?plan=pro&ref=mail"),
            (TrackingKind.OPEN, ""),
            (TrackingKind.UNSUBSCRIBE, ""),
        ]
        assert len({link.token for link in links}) == 4
        assert all(len(link.token) >= 32 for link in links)

        client = alice.client
        before = await counters(alice, sent.global_id)
        assert (before["viewCount"], before["clickCount"], before["firstViewedAt"]) == (0, 0, None)

        pixel = await fetch(client, sent.pixel)
        assert pixel.status_code == 200
        assert pixel.headers["content-type"] == "image/gif"
        assert "no-store" in pixel.headers["cache-control"]
        assert pixel.content.startswith(b"GIF89a")

        # The destination comes from the token only: a `url` parameter cannot redirect elsewhere.
        click = await fetch(client, sent.clicks[0] + "?url=https://evil.example/")
        assert click.status_code == 302
        assert click.headers["location"] == "https://example.com/pricing?plan=pro&ref=mail"

        seen = [(await alice_ws.next(alice_op))["activity"] for _ in range(2)]
        lead_seen = (await lead_ws.next(lead_op))["activity"]

        # Carol (team B) heard nothing of it: the first thing she hears is her own team's open.
        carol_draft = await live.carol.create_draft(subject="Team B only")
        carol_email = await _delivered_elsewhere(carol_draft["id"])
        assert await engagement.record_view(carol_email, HUMAN) is not None
        carol_seen = (await carol_ws.next(carol_op))["activity"]

    assert [item["kind"] for item in seen] == ["VIEWED", "CLICKED"]
    assert all(item["emailId"] == sent.global_id and not item["machine"] for item in seen)
    assert seen[0]["email"] == {
        "id": sent.global_id,
        "subject": "Pricing",
        "person": {"email": "dana@prospect.example"},
    }
    assert seen[1]["data"]["url"] == "https://example.com/pricing?plan=pro&ref=mail"
    assert seen[1]["data"]["userAgent"] == HUMAN
    assert lead_seen["id"] == seen[1]["id"]  # the team admin sees it too, filtered by kind
    assert carol_seen["email"]["subject"] == "Team B only"

    after = await counters(alice, sent.global_id)
    assert (after["viewCount"], after["clickCount"]) == (1, 1)
    assert (after["machineViewCount"], after["machineClickCount"]) == (0, 0)
    assert after["firstViewedAt"] is not None
    assert after["lastActivityAt"] is not None
    assert after["lastActivityAt"] >= after["firstViewedAt"]
    events = after["events"]["nodes"]
    assert [(e["kind"], e["data"].get("url")) for e in events] == [
        ("VIEWED", None),
        ("CLICKED", "https://example.com/pricing?plan=pro&ref=mail"),
    ]

    feed = (await alice(FEED))["activityFeed"]
    assert feed["totalCount"] == 2
    assert [n["kind"] for n in feed["nodes"]] == ["CLICKED", "VIEWED"]  # newest first
    assert feed["nodes"][0]["email"]["subject"] == "Pricing"
    # Another team never sees it, in the feed either.
    carol_feed = (await live.carol(FEED))["activityFeed"]
    assert [n["email"]["subject"] for n in carol_feed["nodes"]] == ["Team B only"]
    bob_feed = (await live.bob(FEED))["activityFeed"]
    assert bob_feed["totalCount"] == 0  # a teammate member sees only their own emails


async def _delivered_elsewhere(global_id: str) -> Email:
    """Team B's email, delivered by the state machine (no SMTP needed for the isolation check)."""
    from models.emails.tables import EmailStatus
    from tests.api import drive_to

    return await drive_to(global_id, EmailStatus.DELIVERED)


async def test_forged_unknown_and_wrong_kind_tokens_are_404_and_change_nothing(
    worker: Any, live: World, sink: SmtpSink
) -> None:
    alice = live.alice
    sent = await send(alice, sink, bodyHtml='<a href="https://example.com/">x</a>')
    client = alice.client
    open_token = sent.pixel.removeprefix("/t/o/").removesuffix(".gif")
    click_token = sent.clicks[0].removeprefix("/t/c/")
    forged = open_token[:-1] + ("A" if open_token[-1] != "A" else "B")
    paths = [
        f"/t/o/{forged}.gif",
        "/t/o/nothing.gif",
        f"/t/o/{'x' * 500}.gif",
        f"/t/o/{click_token}.gif",  # a click token is not an open token
        f"/t/c/{open_token}",  # nor the other way round
        f"/t/c/{forged}",
        f"/u/{click_token}",
        "/u/nothing",
    ]
    for path in paths:
        response = await fetch(client, path)
        assert response.status_code == 404, path
        assert "location" not in response.headers
    response = await client.post(
        f"/u/{forged}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 404
    # HEAD on real tokens answers, but records nothing (link checkers).
    assert (await client.head(sent.pixel, headers={"User-Agent": HUMAN})).status_code == 200
    head = await client.head(sent.clicks[0], headers={"User-Agent": HUMAN})
    assert head.status_code == 302

    state = await counters(alice, sent.global_id)
    assert (state["viewCount"], state["clickCount"], state["machineViewCount"]) == (0, 0, 0)
    assert state["lastActivityAt"] is None
    assert state["events"]["nodes"] == []
    assert not await EmailEvent.filter(
        kind__in=[EmailEventKind.VIEWED, EmailEventKind.CLICKED, EmailEventKind.UNSUBSCRIBED]
    ).exists()
