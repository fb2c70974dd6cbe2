"""`mime.to_wire` (the pipeline's fast serialiser) against `mime.build` (the standard library's
`email` package): parsed back, both give the same headers and the same text and HTML, and the
subject and sender are exactly what was written."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from models.sending.outgoing import Outgoing
from workers import mime

AT = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
HEADERS = ("Message-ID", "Date", "To", "Cc", "List-Unsubscribe")
# Names and subjects a user can type: no control characters or lone surrogates.
TYPED = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=200)
BODY = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=400)


def outgoing(**fields: object) -> Outgoing:
    values: dict[str, object] = {
        "email_id": 1,
        "message_id": "<m1@cc.example>",
        "from_name": "Dana Sales",
        "from_address": "dana@a.example",
        "to": ["p@x.example"],
        "cc": [],
        "bcc": ["hidden@x.example"],
        "subject": "Hello",
        "html": "<p>Hi</p>",
        "text": "Hi",
        "headers": {"List-Unsubscribe": "<https://cc.example/u/t>"},
    }
    values.update(fields)
    return Outgoing(**values)  # type: ignore[arg-type]


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def assert_same(message: Outgoing) -> EmailMessage:
    wire = mime.to_wire(message, AT)
    assert b"\n" not in wire.data.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 998 for line in wire.data.split(b"\r\n"))
    ours, reference = parsed(wire.data), parsed(mime.build(message, AT).as_bytes())
    for name in HEADERS:
        assert ours[name] == reference[name], name
    # Not compared with the reference: its folding drops a space before an encoded word.
    assert str(ours["Subject"]) == message.subject
    sender = ours["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (message.from_name, message.from_address)
    for kind in ("plain", "html"):
        mine, theirs = ours.get_body((kind,)), reference.get_body((kind,))
        assert (mine is None) == (theirs is None), kind
        if mine is not None and theirs is not None:
            assert mine.get_content() == theirs.get_content(), kind
    assert "hidden@x.example" not in wire.data.decode("ascii", "replace")  # Bcc: envelope only
    return ours


def test_a_plain_email_matches_the_reference() -> None:
    ours = assert_same(outgoing())
    assert ours.get_content_type() == "multipart/alternative"


def test_text_only_is_a_single_part() -> None:
    ours = assert_same(outgoing(html=""))
    assert ours.get_content_type() == "text/plain"


def test_non_ascii_names_subjects_bodies_and_long_lines() -> None:
    assert_same(
        outgoing(
            from_name="Zoë Señor",
            subject="Héllo wörld, ça va ? " * 8,
            text="Grüße\n.a line starting with a dot\nFrom the start\n" + "x" * 3000,
            html="<p>日本語</p>\n" + "<b>y</b>" * 500,
        )
    )


def test_non_ascii_addresses_fall_back_to_the_reference() -> None:
    message = outgoing(to=["zoë@exämple.com"])
    ours, reference = (
        parsed(mime.to_wire(message, AT).data),
        parsed(mime.build(message, AT).as_bytes()),
    )
    assert ours["To"] == reference["To"]
    assert ours.get_body(("plain",)).get_content().strip() == "Hi"  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None)
@given(subject=TYPED, text=BODY, html=BODY, name=TYPED)
def test_any_text_round_trips_like_the_reference(
    subject: str, text: str, html: str, name: str
) -> None:
    assert_same(outgoing(subject=subject, text=text, html=html, from_name=name))
