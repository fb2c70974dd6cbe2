"""Time alone moves "within D days" matches: the re-sync reports what left or entered."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from events.setup import running_bus
from graph.live.dispatcher import get_dispatcher
from graph.live.search_hub import MatchKind, drift, get_hub
from models.base import clock
from models.campaigns.tables import Campaign
from models.emails import commands as emails
from models.emails.tables import EmailStatus
from models.engagement import recorders as engagement
from models.search.filters import EmailFilter, Engagement
from tests.api import Api
from tests.search.seed import HUMAN
from tests.search.test_saved_searches import delivered


async def test_a_click_leaving_the_window_exits_on_resync(api: Api) -> None:
    email = await delivered(api)
    now = clock.now()
    await engagement.record_click(email, "https://x.example", HUMAN, at=now - timedelta(hours=23))
    spec = EmailFilter(clicked=Engagement(within_days=1))
    assert spec.time_dependent
    async with running_bus():
        hub = get_hub(get_dispatcher())
        async with hub.watch(api.user, None, spec) as watch:
            assert watch.matching == {email.id}
            with clock.frozen(now + timedelta(hours=2)):
                moved = await drift(watch)
            assert [(m.kind, m.email_id) for m in moved] == [(MatchKind.EXITED, email.id)]
            assert watch.matching == set()
            with clock.frozen(now + timedelta(hours=2)):
                assert await drift(watch) == []


async def test_an_email_moved_to_another_campaign_exits(api: Api) -> None:
    """Searches pinned to a campaign skip other campaigns' changes, but not an edit moving an
    email out of theirs."""
    user = api.user
    first = await Campaign.create(team_id=user.team_id, owner_id=user.id, name="A")
    second = await Campaign.create(team_id=user.team_id, owner_id=user.id, name="B")
    draft = await emails.create_draft(
        user, emails.DraftFields(campaign_id=first.id, to=["p@x.example"])
    )
    async with running_bus():
        hub = get_hub(get_dispatcher())
        pinned = EmailFilter(campaign_id=first.id, status=EmailStatus.DRAFT)
        other = EmailFilter(campaign_id=second.id)
        async with hub.watch(user, None, pinned) as a, hub.watch(user, None, other) as b:
            assert (a.matching, b.matching) == ({draft.id}, set())
            await emails.update_draft(
                user, draft.id, emails.DraftFields(campaign_id=second.id), None
            )
            async with asyncio.timeout(5):
                left = await a.queue.get()
                came = await b.queue.get()
            assert (left.kind, left.email_id) == (MatchKind.EXITED, draft.id)
            assert (came.kind, came.email_id) == (MatchKind.ENTERED, draft.id)
