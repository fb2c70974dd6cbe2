"""The live hub's shortcuts agree with SQL: watches pinned to a person and/or a campaign are only
evaluated for emails with those pins (yet lose an email moved away from them), and on PostgreSQL
the email's recent events come with its row in one query. After every change, each watch holds
exactly what its search returns from SQL, and its ENTERED/EXITED stream replays to that set."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from itertools import product

from events.setup import running_bus
from graph.live.dispatcher import get_dispatcher
from graph.live.search_hub import (
    MatchKind,
    SearchHub,
    Watch,
    _events,
    _json_rows,
    get_hub,
    matching_ids,
    row_and_events,
)
from models.base import clock
from models.campaigns.tables import Campaign
from models.emails import commands as emails
from models.emails.tables import Email, EmailEventKind, EmailStatus
from models.engagement import recorders as engagement
from models.people.tables import Person
from models.search.filters import EmailFilter, Engagement
from tests.api import Api, gid
from tests.search.seed import HUMAN
from tests.search.test_saved_searches import delivered

CONDITIONS = [
    EmailFilter(clicked=Engagement(within_days=7)),
    EmailFilter(clicked=Engagement(at_least=2, within_days=7), exclude_machine=True),
    EmailFilter(clicked=Engagement(happened=False, within_days=7)),
    EmailFilter(clicked=Engagement()),
    EmailFilter(status=EmailStatus.DRAFT),
]


async def caught_up(hub: SearchHub, before: int, changes: int) -> None:
    async with asyncio.timeout(10):
        while hub.handled < before + changes:  # noqa: ASYNC110 - polling the hub's task
            await asyncio.sleep(0.005)


def replayed(start: set[int], watch: Watch) -> set[int]:
    ids = set(start)
    while not watch.queue.empty():
        match = watch.queue.get_nowait()
        if match.kind is MatchKind.ENTERED:
            assert match.email_id not in ids
            ids.add(match.email_id)
        else:
            assert match.email_id in ids
            ids.discard(match.email_id)
    return ids


async def test_pinned_and_windowed_watches_follow_sql(api: Api) -> None:
    user = api.user
    people = [
        (await Person.create(team_id=user.team_id, owner_id=user.id, email=f"h{i}@x.example")).id
        for i in range(2)
    ]
    campaigns = [
        (await Campaign.create(team_id=user.team_id, owner_id=user.id, name=f"H{i}")).id
        for i in range(2)
    ]
    pins = list(product([None, *campaigns], [None, *people]))
    sent: list[Email] = []
    for campaign_id, person_id in pins:
        fields = {}
        if campaign_id is not None:
            fields["campaignId"] = gid("Campaign", campaign_id)
        if person_id is not None:
            fields["personId"] = gid("Person", person_id)
        sent.append(await delivered(api, **fields))
    draft = await emails.create_draft(
        user, emails.DraftFields(person_id=people[0], campaign_id=campaigns[0], to=["d@x.ex"])
    )
    # An old click: inside the window for none of the searches, yet counted by "clicked".
    await engagement.record_click(sent[0], "https://x.example", HUMAN, clock.now() - timedelta(9))

    specs = [
        EmailFilter(**{**condition.__dict__, "campaign_id": campaign_id, "person_id": person_id})
        for condition in CONDITIONS
        for campaign_id, person_id in pins
    ]
    async with running_bus():
        hub = get_hub(get_dispatcher())
        async with _Watches(hub, user, specs) as watches:
            start = {id(w): set(w.matching) for w in watches}
            team = hub._teams[user.team_id]
            row = await Email.get(id=draft.id)
            evaluated = {w.pins for w in team.candidates(row)}
            assert evaluated == {(None, None), (None, people[0]), (campaigns[0], None), pins[4]}
            assert pins[4] == (campaigns[0], people[0])
            assert {w.pins for w in team.around(row)} == {p for p in pins if p[0] != campaigns[1]}
            steps = [
                *(("click", email) for email in sent),
                *(("click", email) for email in sent[::2]),  # a second click for "at least 2"
                ("person", people[1]),
                ("campaign", campaigns[1]),
                ("person", None),
                ("campaign", None),
                ("person", people[0]),
            ]
            for step, value in steps:
                before = hub.handled
                if step == "click":
                    assert isinstance(value, Email)
                    await engagement.record_click(value, "https://x.example/p", HUMAN)
                else:
                    fields = emails.DraftFields(
                        **({f"{step}_id": value} if value is not None else {}),
                        clear=set() if value is not None else {step},
                    )
                    await emails.update_draft(user, draft.id, fields, None)
                await caught_up(hub, before, 1)
                for watch in watches:
                    assert watch.matching == await matching_ids(watch), (step, watch.spec)
            for watch in watches:
                assert replayed(start[id(watch)], watch) == watch.matching
            # The draft moved out of the searches pinned to its first person and campaign, and
            # back in to its first person's.
            drafts = {w.pins: w for w in watches if w.spec.status is EmailStatus.DRAFT}
            assert draft.id in start[id(drafts[campaigns[0], people[0]])]
            assert draft.id not in drafts[campaigns[0], people[0]].matching
            assert draft.id in drafts[None, people[0]].matching
            assert draft.id not in drafts[None, people[1]].matching


class _Watches:
    def __init__(self, hub: SearchHub, user: object, specs: list[EmailFilter]) -> None:
        self.contexts = [hub.watch(user, None, spec) for spec in specs]  # type: ignore[arg-type]

    async def __aenter__(self) -> list[Watch]:
        return [await context.__aenter__() for context in self.contexts]

    async def __aexit__(self, *exc: object) -> None:
        for context in reversed(self.contexts):
            await context.__aexit__(None, None, None)


async def test_row_and_events_read_what_the_orm_reads(api: Api) -> None:
    """PostgreSQL's one-query read gives the row `Email.get` gives and the events `_events`
    gives (kinds, machine flags, exact timestamps, the window's edge)."""
    if not _json_rows():
        return
    email = await delivered(api, subject="row and events")
    now = clock.now()
    await engagement.record_click(email, "https://x.example/a", HUMAN, at=now - timedelta(days=8))
    await engagement.record_view(email, HUMAN, at=now - timedelta(days=2))
    await engagement.record_click(email, "https://x.example/b", HUMAN, at=now - timedelta(hours=1))
    with clock.frozen(now):
        row, events = await row_and_events(email.id, 7)
        expected = await _events(email.id, 7)
    orm = await Email.get(id=email.id)
    assert row is not None
    for name in Email._meta.db_fields:
        assert getattr(row, name) == getattr(orm, name), name
    assert sorted(events, key=lambda e: e.occurred_at) == sorted(
        expected, key=lambda e: e.occurred_at
    )
    assert [e.kind for e in sorted(events, key=lambda e: e.occurred_at)] == [
        EmailEventKind.VIEWED,
        EmailEventKind.CLICKED,
    ]
    assert await row_and_events(email.id + 10_000, 7) == (None, [])
