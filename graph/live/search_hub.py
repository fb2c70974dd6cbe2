"""Live saved searches: which emails enter and leave each watched search, decided per change.

One hub per dispatcher reads the change feed once. For each change it loads the changed email
once (the dispatcher memoises rows), evaluates the team's watches that can match it (those
pinning no campaign or the email's campaign, and no person or the email's person) on the row in
memory (models/search/matching.py), uses the email's recent engagement events only if a search
that passed still has a "within D days" condition, and compares with the set of ids each watch
currently matches. The search itself is never re-run per change. When the team has such searches,
on PostgreSQL the row and its recent events come in one query (`row_and_events`: one round trip
per change, not two); elsewhere, or when another subscriber already loaded the row, the events
are a second query, run only when needed.

Each watch holds the ids it currently matches (seeded by SQL at subscribe time), so its memory
grows with its result size: fine for follow-up lists (thousands), costly for a search matching
most of a large team's emails.

Time alone can move "within D days" and date-preset matches (an old click leaves the window, a
new day starts). Watches of such searches are re-synchronised from SQL every
`saved_search_resync_seconds` (see `drift`): between two re-syncs they may lag by that much.

When the bus loses changes (Redis went away and came back: a FeedGap), every watch is
re-synchronised from SQL the same way, and the differences go out as ENTERED/EXITED (without a
cursor); a watch still running its seed query is seeded again once that query returns.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from events import EmailChange
from graph.live.dispatcher import Dispatcher, FeedGap
from models.base import clock, zones
from models.emails import folders
from models.emails.tables import Email, EmailEvent, EmailEventKind
from models.search import matching as search_match
from models.search.filters import EmailFilter
from models.teams import scope
from models.teams.tables import User


class MatchKind(StrEnum):
    ENTERED = "ENTERED"
    EXITED = "EXITED"


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    email_id: int
    row: Email | None
    cursor: int | None  # the change that caused it; None for a time-based re-sync


@dataclass(eq=False)
class Watch:
    viewer: User
    view_as: User | None
    spec: EmailFilter
    tz: ZoneInfo
    matching: set[int] = field(default_factory=set)
    check: search_match.Check = field(init=False)  # on the row alone
    windowed: search_match.Check | None = field(init=False)  # on its recent events
    seeded: bool = False
    touched: set[int] = field(default_factory=set)  # changed while the seed query ran
    stale_seed: bool = False  # the bus lost changes while the seed query ran
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one re-sync at a time
    queue: asyncio.Queue[Match] = field(default_factory=asyncio.Queue)

    def __post_init__(self) -> None:
        self.check, self.windowed = search_match.compile_parts(self.spec, self.tz)

    @property
    def campaign_key(self) -> int | None:
        """Watches pinned to one campaign are only evaluated for that campaign's emails."""
        return self.spec.campaign_id

    @property
    def pins(self) -> tuple[int | None, int | None]:
        """(campaign, person) a watch is pinned to: only emails with both can match it."""
        return self.spec.campaign_id, self.spec.person_id

    def visible(self, team_id: int, owner_id: int) -> bool:
        return scope.may_see(self.viewer, team_id, owner_id, self.view_as)


async def matching_ids(watch: Watch) -> set[int]:
    query = await folders.email_query(watch.viewer, filter=watch.spec)
    ids: list[int] = await query.values_list("id", flat=True)  # type: ignore[assignment]
    return set(ids)


async def _events(email_id: int, days: int) -> list[search_match.Engaged]:
    since = clock.now() - timedelta(days=days)
    rows = await EmailEvent.filter(
        email_id=email_id, kind__in=list(search_match.ENGAGED_KINDS), occurred_at__gte=since
    ).values_list("kind", "machine", "occurred_at")
    return [search_match.Engaged(kind, bool(machine), at) for kind, machine, at in rows]


# PostgreSQL: the email row as the ORM selects it, plus its engagement events since $3 as JSON
# ([kind, machine, occurred_at] each): what `Email.get_or_none` and `_events` read, in one query.
ROW_AND_EVENTS = """SELECT e.*, (
  SELECT json_agg(json_build_array(v.kind, v.machine, v.occurred_at))
  FROM email_event v
  WHERE v.email_id = e.id AND v.kind = ANY($2::text[]) AND v.occurred_at >= $3
) AS recent_events_json
FROM email e WHERE e.id = $1"""


async def row_and_events(
    email_id: int, days: int
) -> tuple[Email | None, list[search_match.Engaged]]:
    """The email and its recent engagement events (those of the last `days` days), in one
    query on PostgreSQL. The row is built as the ORM builds it from its own SELECT."""
    since = clock.now() - timedelta(days=days)
    kinds = [kind.value for kind in search_match.ENGAGED_KINDS]
    _, rows = await Email._meta.db.execute_query(ROW_AND_EVENTS, [email_id, kinds, since])
    if not rows:
        return None, []
    fields = dict(rows[0])
    recent = fields.pop("recent_events_json")
    events = [
        search_match.Engaged(EmailEventKind(kind), bool(machine), datetime.fromisoformat(at))
        for kind, machine, at in (json.loads(recent) if isinstance(recent, str) else recent or [])
    ]
    return Email._init_from_db(**fields), events


K = TypeVar("K")


def _discard(buckets: dict[K, set[Watch]], key: K, item: Watch) -> None:
    bucket = buckets.get(key)
    if bucket is not None:
        bucket.discard(item)
        if not bucket:
            del buckets[key]


def _json_rows() -> bool:
    """Whether `row_and_events` can run here (PostgreSQL's json_agg)."""
    return bool(Email._meta.db.capabilities.dialect == "postgres")


@dataclass(eq=False)
class TeamWatches:
    """One team's watches, bucketed by the campaign they pin (None: any), and within that by the
    (campaign, person) pair they pin: a change is evaluated only by the watches whose pins the
    email has; the others of its campaign bucket can only lose it."""

    all: set[Watch] = field(default_factory=set)
    by_campaign: dict[int | None, set[Watch]] = field(default_factory=dict)
    by_pins: dict[tuple[int | None, int | None], set[Watch]] = field(default_factory=dict)
    window_days: int = 0  # the longest "within D days" of any watch: events loaded per change
    unseeded: set[Watch] = field(default_factory=set)  # still running their seed query

    def add(self, item: Watch) -> None:
        self.all.add(item)
        self.unseeded.add(item)
        self.by_campaign.setdefault(item.campaign_key, set()).add(item)
        self.by_pins.setdefault(item.pins, set()).add(item)
        self.window_days = max(self.window_days, search_match.max_window_days([item.spec]))

    def remove(self, item: Watch) -> None:
        self.all.discard(item)
        self.unseeded.discard(item)
        _discard(self.by_campaign, item.campaign_key, item)
        _discard(self.by_pins, item.pins, item)
        self.window_days = search_match.max_window_days(w.spec for w in self.all)

    def around(self, row: Email) -> set[Watch]:
        """The watches that may hold or match `row` unless it changed campaign: those pinning
        no campaign or its campaign."""
        around = self.by_campaign.get(None, set())
        if row.campaign_id is not None:
            around = around | self.by_campaign.get(row.campaign_id, set())
        return around

    def candidates(self, row: Email) -> list[Watch]:
        """The watches that can match `row`: pinning nothing or only what it has."""
        keys = {(None, None), (None, row.person_id), (row.campaign_id, None)}
        keys.add((row.campaign_id, row.person_id))
        return [item for key in keys for item in self.by_pins.get(key, ())]


class SearchHub:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._teams: dict[int, TeamWatches] = {}
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        # Cost accounting for the benchmark: changes handled and seconds spent on them.
        self.handled = 0
        self.busy = 0.0
        self.loading = 0.0  # of which waiting for the row and events queries

    @property
    def watch_count(self) -> int:
        return sum(len(team.all) for team in self._teams.values())

    @asynccontextmanager
    async def watch(
        self, viewer: User, view_as: User | None, spec: EmailFilter
    ) -> AsyncIterator[Watch]:
        """A watch seeded with the current matches; changes from now on update it."""
        item = Watch(viewer, view_as, spec, zones.zone(viewer.timezone))
        team = self._teams.setdefault(viewer.team_id, TeamWatches())
        team.add(item)
        await self._start()
        try:
            # Registered before the seed query, so no change falls in between; the emails
            # changed meanwhile are re-checked against their row as it is now.
            item.matching = await matching_ids(item)
            while item.stale_seed:  # the bus lost changes meanwhile: read again
                item.stale_seed = False
                item.matching = await matching_ids(item)
            item.seeded = True
            for email_id in list(item.touched):
                row = await Email.get_or_none(id=email_id)
                if row is not None and await self._decide(item, row):
                    item.matching.add(email_id)
                else:
                    item.matching.discard(email_id)
            item.touched.clear()
            team.unseeded.discard(item)
            yield item
        finally:
            if self._teams.get(viewer.team_id) is team:
                team.remove(item)
                if not team.all:
                    del self._teams[viewer.team_id]
            if not self._teams:
                self._stop()

    async def _start(self) -> None:
        """The feed is open once this returns: nothing committed after it is missed."""
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._run(self._ready))
        await self._ready.wait()

    def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self, ready: asyncio.Event) -> None:
        async with self.dispatcher.feed(gaps=True) as feed:
            ready.set()
            while True:
                try:
                    change = await feed.get()
                except FeedGap:
                    await self.resync()
                    continue
                started = time.perf_counter()
                await self.handle(change)
                self.busy += time.perf_counter() - started
                self.handled += 1

    async def handle(self, change: EmailChange) -> None:
        team = self._teams.get(change.team_id)
        if team is None:
            return
        email_id = change.email_id
        started = time.perf_counter()
        with_row: list[list[search_match.Engaged]] = []  # the events, if read with the row
        load = None
        if team.window_days and _json_rows():

            async def load(email_id: int) -> Email | None:
                row, events = await row_and_events(email_id, team.window_days)
                with_row.append(events)
                return row

        row = await self.dispatcher.email_row(change, load)
        self.loading += time.perf_counter() - started
        # Only watches of any campaign or of the row's campaign can hold or match it; the
        # others need a look only if they held the email (it moved out of their campaign, or
        # was deleted). Of these, only those pinning no person or the row's person can match:
        # the rest are decided (no match) without evaluation.
        around: set[Watch] = set()
        candidates: list[Watch] = []
        if row is not None:
            around = team.around(row)
            candidates = team.candidates(row)
        now = clock.now()
        # First pass on the row alone; the email's recent events are loaded (once) only if some
        # search still needs them (on PostgreSQL they came with the row).
        decided: dict[Watch, bool] = {}
        pending: list[Watch] = []
        if row is not None:
            for item in candidates:
                if not item.seeded:
                    continue
                ok = item.visible(row.team_id, row.owner_id) and item.check(row, None, now)
                if ok and item.windowed is not None:
                    pending.append(item)
                else:
                    decided[item] = ok
        if pending:
            assert row is not None
            if with_row:
                events = with_row[0]
            else:
                started = time.perf_counter()
                events = await _events(email_id, team.window_days)
                self.loading += time.perf_counter() - started
            for item in pending:
                assert item.windowed is not None
                decided[item] = item.windowed(row, events, now)
        # Watches pinned to another campaign can hold the email only if it left their campaign
        # (an edit) or is gone; otherwise only those around it need the comparison (the ones
        # pinning another person were decided "no match" above by not being candidates).
        moved = row is None or change.kind is EmailEventKind.EDITED
        for item in team.all if moved or team.unseeded else around:
            if not item.seeded:
                item.touched.add(email_id)
                continue
            now_matches = decided.get(item, False)
            was = email_id in item.matching
            if now_matches and not was:
                item.matching.add(email_id)
                item.queue.put_nowait(Match(MatchKind.ENTERED, email_id, row, change.cursor))
            elif was and not now_matches:
                item.matching.discard(email_id)
                item.queue.put_nowait(Match(MatchKind.EXITED, email_id, row, change.cursor))

    async def resync(self) -> None:
        """The bus lost changes: re-run every watch's search and report what moved meanwhile."""
        for team in list(self._teams.values()):
            for item in list(team.all):
                if not item.seeded:
                    item.stale_seed = True
                    continue
                for moved in await drift(item):
                    item.queue.put_nowait(moved)

    async def _decide(self, item: Watch, row: Email) -> bool:
        events = None
        if search_match.needs_events(item.spec):
            events = await _events(row.id, search_match.max_window_days([item.spec]))
        return item.visible(row.team_id, row.owner_id) and search_match.matches(
            item.spec, row, events, tz=item.tz, now=clock.now()
        )


async def drift(item: Watch) -> list[Match]:
    """Re-run the search and report what moved in or out since the watch last knew (what time
    alone moved, or what a bus gap hid)."""
    async with item.lock:
        current = await matching_ids(item)
        entered, exited = current - item.matching, item.matching - current
        item.matching = current
    rows = {r.id: r for r in await Email.filter(id__in=list(entered))} if entered else {}
    return [Match(MatchKind.ENTERED, i, rows.get(i), None) for i in sorted(entered)] + [
        Match(MatchKind.EXITED, i, None, None) for i in sorted(exited)
    ]


async def matches(hub: SearchHub, item: Watch, resync_seconds: float) -> AsyncIterator[Match]:
    """The watch's ENTERED/EXITED stream (with periodic re-syncs for time-relative searches)."""
    if not item.spec.time_dependent:
        while True:
            yield await item.queue.get()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + resync_seconds
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                match = await item.queue.get()
        except TimeoutError:
            deadline = loop.time() + resync_seconds
            for moved in await drift(item):
                yield moved
            continue
        yield match


_hubs: dict[int, SearchHub] = {}


def get_hub(dispatcher: Dispatcher) -> SearchHub:
    hub = _hubs.get(id(dispatcher))
    if hub is None or hub.dispatcher is not dispatcher:
        for stale in _hubs.values():
            stale._stop()
        _hubs.clear()
        hub = _hubs[id(dispatcher)] = SearchHub(dispatcher)
    return hub
