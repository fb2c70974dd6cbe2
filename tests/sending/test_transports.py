"""Transports and the embedded default: the .eml capture, SMTP URL options, reply mapping, and the
app sending by itself when no broker is configured."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import aiosmtplib
import pytest

from config.database import run_migrations
from graph.app import create_app
from models.emails.tables import EmailStatus
from models.teams import auth
from models.teams.tables import Role
from tests.api import Api
from tests.sending.conftest import FAST, configure
from tests.sending.helpers import due_email, wait_for_status
from tests.sending.smtp_sink import SmtpSink
from workers import delivery, mime, smtp


async def test_the_embedded_default_captures_each_message_as_an_eml_file(
    smtp_settings: pytest.MonkeyPatch, api: Api, tmp_path: Path
) -> None:
    configure(smtp_settings, CC_SMTP_URL=f"file://{tmp_path / 'mail'}")
    await delivery.close_transport()
    email = await due_email(
        api.user, subject="Captured", body_html="<p>Hi <b>you</b></p>", body_text=""
    )
    await delivery.deliver(email.id)

    [path] = (tmp_path / "mail").glob("*.eml")
    assert path.name == email.message_id.strip("<>") + ".eml"
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Message-ID"] == email.message_id
    assert message["Subject"] == "Captured"
    text = message.get_body(("plain",))
    assert text is not None
    assert text.get_content().strip() == "Hi you"  # a text part even for an HTML-only body


def test_smtp_urls_select_tls_starttls_credentials_and_pool() -> None:
    implicit = smtp.from_url("smtps://me%40x.example:s3cret@mail.example:2465?pool=2")
    assert isinstance(implicit, smtp.SmtpTransport)
    assert implicit._options["use_tls"] is True
    assert implicit._options["username"] == "me@x.example"
    assert implicit._options["password"] == "s3cret"
    assert implicit._options["port"] == 2465
    required = smtp.from_url("smtp://relay.example:587?starttls=1")
    assert isinstance(required, smtp.SmtpTransport)
    assert required._options["start_tls"] is True
    plain = smtp.from_url("smtp://127.0.0.1:2525?starttls=0")
    assert isinstance(plain, smtp.SmtpTransport)
    assert plain._options["start_tls"] is False
    assert isinstance(smtp.from_url("file://var/mail"), smtp.FileTransport)
    with pytest.raises(ValueError, match="CC_SMTP_URL"):
        smtp.from_url("http://example.com")


def test_server_replies_map_to_bounce_or_retry() -> None:
    permanent = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(550, "No such user", "a@x.example")]
    )
    temporary = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(451, "Greylisted", "a@x.example")]
    )
    # A 5xx at RCPT names the refused recipients: hard bounces to mark undeliverable.
    assert smtp.classify(permanent) == smtp.Rejected(
        550, "550 No such user <a@x.example>", ("a@x.example",)
    )
    assert isinstance(smtp.classify(temporary), smtp.Unavailable)
    # A 5xx at DATA is about the message, not an address: nothing to mark.
    assert smtp.classify(aiosmtplib.SMTPDataError(554, "spam")) == smtp.Rejected(554, "554 spam")
    assert isinstance(smtp.classify(aiosmtplib.SMTPDataError(452, "full")), smtp.Unavailable)
    assert isinstance(smtp.classify(ConnectionRefusedError(111, "refused")), smtp.Unavailable)


def test_text_of_html_keeps_words_and_drops_markup_and_scripts() -> None:
    html = "<style>p{}</style><p>Hello <b>Dana</b></p><p>See you</p><script>x()</script>"
    assert mime.text_of(html) == "Hello Dana\n\nSee you"


async def test_connections_are_reused_across_messages(
    smtp_settings: pytest.MonkeyPatch, api: Api, sink: SmtpSink
) -> None:
    for n in range(5):
        email = await due_email(api.user, to=[f"p{n}@prospect.example"])
        await delivery.deliver(email.id)
    assert len(sink.received) == 5
    assert sink.connections == 1


async def test_the_app_sends_by_itself_when_no_broker_is_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sink: SmtpSink
) -> None:
    url = f"sqlite://{tmp_path / 'app.sqlite3'}"
    configure(monkeypatch, CC_DATABASE_URL=url, CC_SMTP_URL=sink.url, **FAST)
    await run_migrations(url)
    app = create_app()
    async with app.router.lifespan_context(app):
        team = await auth.get_or_create_team("Team E")
        user = await auth.create_user(team, "erin@e.example", name="Erin", role=Role.MEMBER)
        email = await due_email(user)
        sent = await wait_for_status(email.id, EmailStatus.DELIVERED, within=30)
    assert sink.count_by_message_id() == {sent.message_id: 1}
