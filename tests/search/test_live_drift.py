"""Time alone moves "within D days" matches: the re-sync reports what left or entered."""

from __future__ import annotations

from datetime import timedelta

from events.setup import running_bus
from graph.live.dispatcher import get_dispatcher
from graph.live.search_hub import MatchKind, drift, get_hub
from models import clock, engagement
from models.search import EmailFilter, Engagement
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
