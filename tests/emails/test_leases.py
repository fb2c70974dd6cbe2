"""Issue 14: every IN_PROGRESS email has a lease — where the data is written (transitions), in the
database (migration 0011_leases: a CHECK on PostgreSQL, triggers on SQLite), in old data
(backfilled so the sweep ends it) and in the demo data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from tortoise.exceptions import IntegrityError

from command_center.demo import seed_demo
from config.database import database, run_migrations
from models.base import clock
from models.emails import transitions
from models.emails.state_machine import Action
from models.emails.tables import BulkKind, Email, EmailStatus
from models.engagement.replies import EmailReply
from models.sending import rules as sending
from models.teams.tables import Team, User
from tests import services
from tests.api import Api, drive_to
from tests.database import _admin, _with_database

PRE_LAYOUT_DB = Path(__file__).parents[1] / "data" / "pre_layout.sqlite3"


async def test_a_claim_without_a_lease_is_refused_and_changes_nothing(api: Api) -> None:
    email = await drive_to((await api.create_draft())["id"], EmailStatus.SCHEDULED)
    with pytest.raises(ValueError, match="lease"):
        await transitions.apply(email, Action.CLAIM, None, changes={"sent_at": clock.now()})
    with pytest.raises(ValueError, match="lease"):
        await transitions.apply_batch([email], Action.CLAIM, lambda _e: {})
    stored = await Email.get(id=email.id)
    assert (stored.status, stored.version) == (EmailStatus.SCHEDULED, email.version)


async def test_leaving_in_progress_drops_the_lease(api: Api) -> None:
    claimed = await drive_to((await api.create_draft())["id"], EmailStatus.IN_PROGRESS)
    assert claimed.lease_expires_at is not None
    moved = await transitions.apply(
        claimed, Action.MARK_DELIVERED, None, changes={"delivered_at": clock.now()}
    )
    assert moved is not None and moved.lease_expires_at is None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database built by the migrations (not generate_schemas), as production has it."""
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path / 'db.sqlite3'}"
        await run_migrations(url)
        yield url
        return
    server = services.service_url(services.POSTGRES_VAR, "PostgreSQL")
    name = f"cc_lease_{uuid.uuid4().hex[:10]}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    try:
        url = _with_database(server, name)
        await run_migrations(url)
        yield url
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_the_database_refuses_in_progress_without_a_lease(migrated: str) -> None:
    async with database(migrated):
        team = await Team.create(name="T")
        user = await User.create(team=team, email="u@t.example", name="U")
        now = clock.now()

        def row(status: EmailStatus, **fields: object) -> dict[str, object]:
            return {
                "team_id": team.id,
                "owner_id": user.id,
                "status": status,
                "status_at": now,
                "bulk_kind": BulkKind.SINGLE,
                "message_id": f"<{uuid.uuid4().hex}@t>",
                "created_at": now,
                "updated_at": now,
                **fields,
            }

        with pytest.raises(IntegrityError):
            await Email.create(**row(EmailStatus.IN_PROGRESS))
        leased = await Email.create(
            **row(EmailStatus.IN_PROGRESS, lease_expires_at=now + timedelta(minutes=5))
        )
        with pytest.raises(IntegrityError):
            await Email.filter(id=leased.id).update(lease_expires_at=None)
        scheduled = await Email.create(**row(EmailStatus.SCHEDULED, scheduled_at=now))
        with pytest.raises(IntegrityError):
            await Email.filter(id=scheduled.id).update(status=EmailStatus.IN_PROGRESS)
        assert (await Email.get(id=scheduled.id)).status is EmailStatus.SCHEDULED
        assert (await Email.get(id=leased.id)).lease_expires_at is not None


async def test_old_in_progress_rows_get_an_ended_lease_and_the_sweep_ends_them(
    tmp_path: Path,
) -> None:
    """The demo data of `main` (migrated to 0008) holds IN_PROGRESS emails without a lease."""
    copy = tmp_path / "old.sqlite3"
    copy.write_bytes(PRE_LAYOUT_DB.read_bytes())
    url = f"sqlite://{copy}"
    await run_migrations(url)
    async with database(url):
        stuck = await Email.filter(status=EmailStatus.IN_PROGRESS)
        assert stuck, "the old demo data has IN_PROGRESS emails"
        assert all(e.lease_expires_at == e.status_at for e in stuck)
        expired = await sending.expire_leases()
        # Whether their SMTP transaction had started is unknown (migration 0014): uncertain.
        assert sorted(expired.uncertain) == sorted(e.id for e in stuck)
        assert expired.released == []
        for email in await Email.filter(id__in=expired.uncertain):
            assert (email.status, email.failure_code) == (
                EmailStatus.FAILED,
                "DELIVERY_UNCERTAIN",
            )
            assert email.lease_expires_at is None


async def test_demo_data_in_progress_emails_have_a_lease(db: object) -> None:
    await seed_demo()
    in_progress = await Email.filter(status=EmailStatus.IN_PROGRESS)
    assert in_progress
    assert all(e.lease_expires_at is not None for e in in_progress)
    assert all(e.lease_expires_at > clock.now() for e in in_progress)  # still being sent
    replied = await Email.filter(reply_count__gt=0).values_list("id", flat=True)
    assert replied and await EmailReply.filter(email_id__in=list(replied)).count() == len(replied)
