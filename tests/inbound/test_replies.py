"""Issue 14, replies: a reply keeps its own words (the quoted original cut off) for `Email.replies`;
a new message from a prospect without threading headers goes with the latest email delivered to
them (matched by ADDRESS), and never to a team the message does not show it was written to."""

from __future__ import annotations

import email.utils
from email import message_from_bytes
from typing import Any

from models.emails.tables import Email, EmailStatus
from models.engagement.replies import new_text, reply_text, snippet
from models.inbound.tables import InboundOutcome, InboundVia
from tests.api import Api, World, drive_to, gid
from tests.inbound.messages import new_id, process, reply

REPLIES = """query($id: ID!) { email(id: $id) { replyCount
  replies { from receivedAt subject text snippet matchedBy automatic } } }"""


def unthreaded(sender: str, to: str, body: str, subject: str = "Quick question") -> bytes:
    """A new message (no In-Reply-To, no References), as a prospect writes one."""
    head = (
        f"From: Pat <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: {email.utils.formatdate()}\r\nMessage-ID: {new_id()}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return (head + body.replace("\n", "\r\n")).encode()


async def delivered(api: Api, **fields: Any) -> Email:
    draft = await api.create_draft(subject="Hello", bodyText="Hi", **fields)
    return await drive_to(draft["id"], EmailStatus.DELIVERED)


async def replies_of(api: Api, row: Email) -> dict[str, Any]:
    data: dict[str, Any] = (await api(REPLIES, id=gid("Email", row.id)))["email"]
    return data


def test_the_quoted_original_is_cut_off() -> None:
    gmail = "Sounds good, Tuesday works.\n\nOn Mon, 1 Dec 2026 at 10:00, Alice <a@x> wrote:\n> Hi"
    assert new_text(gmail) == "Sounds good, Tuesday works."
    wrapped = "Yes!\nOn Mon, 1 Dec 2026 at 10:00 Alice Example <alice@a.example>\nwrote:\n> Hi"
    assert new_text(wrapped) == "Yes!"
    outlook = "Call me.\r\n\r\n-----Original Message-----\r\nFrom: Alice\r\nSubject: Hello"
    assert new_text(outlook) == "Call me."
    inline = "> Are you free?\nI am.\n> Which day?\nFriday.\n-- \nPat, CTO"
    assert new_text(inline) == "I am.\nFriday."
    french = "Merci !\nLe lun. 1 déc. 2026 à 10:00, Alice <a@x> a écrit :\n> Bonjour"
    assert new_text(french) == "Merci !"


def test_html_replies_lose_markup_and_quotes() -> None:
    raw = (
        b"From: p@x.example\r\nTo: a@a.example\r\nSubject: Re: Hi\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b'<div>Let&#39;s talk <b>Friday</b>.</div><div class="gmail_quote">On Mon, Alice wrote:'
        b"<blockquote>Hi there</blockquote></div><style>p{}</style>"
    )
    assert reply_text(message_from_bytes(raw)) == "Let's talk Friday."


def test_snippet_is_one_short_line() -> None:
    assert snippet("Hello\n\n  there") == "Hello there"
    long = snippet("word " * 100)
    assert len(long) <= 140 and long.endswith("…")


async def test_a_threaded_reply_keeps_its_text(api: Api) -> None:
    row = await delivered(api, to=["prospect@example.com"])
    result = await process(reply(row.message_id), InboundVia.HTTP)
    assert result.outcome is InboundOutcome.REPLY

    data = await replies_of(api, row)
    assert data["replyCount"] == 1
    [shown] = data["replies"]
    assert shown["from"] == "prospect@example.com"
    assert shown["text"] == "Thanks, let's talk on Tuesday."  # "> Hello" left out
    assert shown["snippet"] == "Thanks, let's talk on Tuesday."
    assert (shown["matchedBy"], shown["automatic"]) == ("THREAD", False)
    assert shown["receivedAt"] is not None


async def test_an_unthreaded_message_goes_with_the_latest_delivered_email(api: Api) -> None:
    person = await api.create_person("pat@prospect.example", firstName="Pat")
    older = await delivered(api, personId=person["id"])
    latest = await delivered(api, personId=person["id"])
    await drive_to((await api.create_draft(personId=person["id"]))["id"], EmailStatus.SCHEDULED)

    body = "Hi Alice, is the offer still open?\n\nPat"
    result = await process(
        unthreaded("Pat@Prospect.example", api.user.email, body), InboundVia.SMTP
    )

    assert result.outcome is InboundOutcome.REPLY
    assert result.email_id == latest.id
    assert "Matched by address" in result.detail
    data = await replies_of(api, latest)
    assert data["replyCount"] == 1
    [shown] = data["replies"]
    assert (shown["text"], shown["matchedBy"], shown["subject"]) == (
        body,
        "ADDRESS",
        "Quick question",
    )
    assert (await replies_of(api, older))["replies"] == []


async def test_an_address_known_to_two_teams_is_matched_only_where_the_message_says(
    world: World,
) -> None:
    address = "shared@prospect.example"
    ours = await delivered(world.alice, to=[address])
    theirs = await delivered(world.carol, to=[address])

    unclear = await process(unthreaded(address, "sales@elsewhere.example", "Hi"), InboundVia.HTTP)
    assert unclear.outcome is InboundOutcome.UNMATCHED
    assert await Email.filter(id__in=[ours.id, theirs.id], reply_count__gt=0).count() == 0

    to_carol = await process(
        unthreaded(address, world.carol.user.email, "Hi Carol"), InboundVia.HTTP
    )
    assert to_carol.outcome is InboundOutcome.REPLY
    assert to_carol.email_id == theirs.id
    assert (await replies_of(world.carol, theirs))["replies"][0]["text"] == "Hi Carol"
    assert (await Email.get(id=ours.id)).reply_count == 0


async def test_a_stranger_writing_matches_nothing(api: Api) -> None:
    await delivered(api, to=["prospect@example.com"])
    result = await process(
        unthreaded("stranger@example.org", api.user.email, "Hi"), InboundVia.HTTP
    )
    assert result.outcome is InboundOutcome.UNMATCHED
