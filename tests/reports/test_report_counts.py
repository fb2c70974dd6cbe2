"""The report's one SQL aggregate against a brute-force count in Python over random data, on both
databases: random emails (every status, counters, campaigns, templates, two teams, send times
packed around DST changes and local midnights) and random reports (zones, intervals, dimensions,
filters, viewers). Drawn once by hypothesis, derandomized and bounded, so both databases and
every run see the same cases."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import product
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from models.campaigns.tables import Campaign
from models.emails.tables import Email, EmailStatus
from models.engagement import report as domain
from models.engagement.report import ReportDimension, ReportFilter, ReportInterval
from models.teams.tables import User
from models.templates.tables import Template
from tests.api import World
from tests.examples import drawn
from tests.reports.helpers import add, email_row

ZONES = [
    "UTC",
    "America/New_York",  # DST 2026-03-08 and 2026-11-01, at 02:00 local
    "Europe/Paris",  # DST 2026-03-29 and 2026-10-25
    "Australia/Lord_Howe",  # a 30-minute DST shift, on 2026-04-05
    "Asia/Kolkata",  # +05:30, no DST
    "America/Sao_Paulo",  # no DST any more; -03:00
]
BASE = datetime(2026, 2, 20, tzinfo=UTC)
SPAN_DAYS = 60  # 2026-02-20 .. 2026-04-21: the March changes and Lord Howe's April one
STATUSES = list(EmailStatus)
UNSENT = {EmailStatus.DRAFT, EmailStatus.SCHEDULED}


@dataclass(frozen=True)
class Drawn:
    owner: int  # index into the viewers' team members, 4: the other team
    seconds: int  # after BASE
    status: EmailStatus
    views: int
    machine_views: int
    clicks: int
    machine_clicks: int
    replies: int
    campaign: int | None
    template: int | None


@dataclass(frozen=True)
class Ask:
    viewer: int  # 0: admin, 1: member
    zone: str
    interval: ReportInterval
    dimension: ReportDimension
    start: int  # days after BASE's date
    days: int
    senders: tuple[int, ...] | None
    campaigns: tuple[int, ...] | None
    templates: tuple[int, ...] | None
    machine: bool


def send_times() -> list[int]:
    """Seconds after BASE: every local midnight of every zone over the span, a second before and
    after it and half an hour after (where DST shifts put a naive bucketing in the wrong day),
    plus times spread evenly."""
    times = set(range(0, SPAN_DAYS * 86400, 86400 // 5 + 7))
    for name in ZONES:
        for day in range(-1, SPAN_DAYS + 1):
            local = datetime.combine(BASE.date() + timedelta(days=day), datetime.min.time())
            at = local.replace(tzinfo=ZoneInfo(name)).astimezone(UTC)
            for delta in (-1, 0, 1, 1800):
                times.add(int((at - BASE).total_seconds()) + delta)
    return sorted(t for t in times if 0 <= t < SPAN_DAYS * 86400)


ATTRIBUTES = st.builds(
    Drawn,
    owner=st.integers(0, 4),
    seconds=st.just(0),  # set from send_times()
    status=st.sampled_from(STATUSES),
    views=st.integers(0, 2),
    machine_views=st.integers(0, 2),
    clicks=st.integers(0, 1),
    machine_clicks=st.integers(0, 1),
    replies=st.integers(0, 1),
    campaign=st.one_of(st.none(), st.integers(0, 2)),
    template=st.one_of(st.none(), st.integers(0, 1)),
)
IDS = st.one_of(st.none(), st.lists(st.integers(0, 4), max_size=3).map(tuple))
# What a report asks besides its zone, interval and dimension (those are all combined).
REST = st.tuples(
    st.integers(0, 1),
    st.integers(-3, SPAN_DAYS),
    st.integers(1, 45),
    IDS,
    st.one_of(st.none(), st.lists(st.integers(0, 3), max_size=2).map(tuple)),
    st.one_of(st.none(), st.lists(st.integers(0, 2), max_size=2).map(tuple)),
    st.booleans(),
)


@cache
def cases() -> tuple[tuple[Drawn, ...], tuple[Ask, ...]]:
    attributes = [a for a in drawn(ATTRIBUTES, 300) if isinstance(a, Drawn)]
    times = send_times()
    emails = tuple(
        replace(attributes[(i * 7) % len(attributes)], seconds=t) for i, t in enumerate(times)
    )
    combos = list(product(ZONES, ReportInterval, ReportDimension)) * 2
    rests = [r for r in drawn(REST, len(combos)) if isinstance(r, tuple)]
    asks = tuple(
        Ask(r[0], zone, interval, dimension, *r[1:])
        for (zone, interval, dimension), r in zip(combos, rests, strict=False)
    )
    return emails, asks


@dataclass
class Seeded:
    users: list[User]  # alice, bob, lead, admin (team A), carol (team B)
    campaigns: list[int]  # two of team A, one of team B
    templates: list[int]  # one of team A, one of team B
    rows: list[Email]


async def _seed(world: World) -> Seeded:
    users = [world.alice.user, world.bob.user, world.lead_a.user, world.admin_a.user]
    users.append(world.carol.user)
    team_a, team_b = world.alice.user, world.carol.user
    campaigns = [
        (await Campaign.create(team_id=u.team_id, owner_id=u.id, name=f"Campaign {n}")).id
        for n, u in enumerate([team_a, team_a, team_b])
    ]
    templates = [
        (await Template.create(team_id=u.team_id, owner_id=u.id, name=f"Template {n}")).id
        for n, u in enumerate([team_a, team_b])
    ]
    emails, _asks = cases()
    rows = []
    for e in emails:
        owner = users[e.owner]
        own_team = owner.team_id == team_a.team_id
        campaign = None if e.campaign is None else campaigns[e.campaign if own_team else 2]
        template = None if e.template is None else templates[e.template if own_team else 1]
        at = BASE + timedelta(seconds=e.seconds, microseconds=e.seconds % 7 * 100_000)
        rows.append(
            email_row(
                owner,
                None if e.status in UNSENT else at,
                e.status,
                view_count=e.views,
                machine_view_count=e.machine_views,
                click_count=e.clicks,
                machine_click_count=e.machine_clicks,
                reply_count=e.replies,
                campaign_id=campaign,
                template_id=template,
            )
        )
    await add(*rows)
    return Seeded(users, campaigns, templates, await Email.all())


def _pick(ids: tuple[int, ...] | None, known: list[int]) -> list[int] | None:
    # Index past the list: an id that does not exist.
    return None if ids is None else [known[i] if i < len(known) else 999_999 for i in ids]


def brute_force(
    s: Seeded, viewer: User, ask: Ask, start: date, end: date, spec: ReportFilter
) -> dict[tuple[int | None, date], tuple[int, ...]]:
    tz = ZoneInfo(ask.zone)
    periods = domain.periods_of(ask.interval, start, end)
    out: dict[tuple[int | None, date], list[int]] = {}
    for email in s.rows:
        if email.team_id != viewer.team_id or email.sent_at is None:
            continue
        if not viewer.sees_whole_team and email.owner_id != viewer.id:
            continue
        if email.status not in domain.SENT_STATUSES:
            continue
        day = email.sent_at.astimezone(tz).date()
        if not start <= day <= end:
            continue
        if spec.sender_ids is not None and email.owner_id not in spec.sender_ids:
            continue
        if spec.campaign_ids is not None and email.campaign_id not in spec.campaign_ids:
            continue
        if spec.template_ids is not None and email.template_id not in spec.template_ids:
            continue
        period = max(p for p in periods if p <= day)
        key = {
            ReportDimension.SENDER: email.owner_id,
            ReportDimension.CAMPAIGN: email.campaign_id,
            ReportDimension.TEMPLATE: email.template_id,
        }[ask.dimension]
        views = email.view_count + (email.machine_view_count if ask.machine else 0)
        clicks = email.click_count + (email.machine_click_count if ask.machine else 0)
        counts = (
            1,
            email.status in domain.DELIVERED_STATUSES,
            views > 0,
            clicks > 0,
            email.reply_count > 0,
            email.status is EmailStatus.BOUNCED,
        )
        cell = out.setdefault((key, period), [0] * 6)
        for i, value in enumerate(counts):
            cell[i] += int(value)
    return {k: tuple(v) for k, v in out.items()}


def _cells(report: domain.Report) -> dict[tuple[int | None, date], tuple[int, ...]]:
    out = {}
    for series in report.series:
        for start, counts in zip(report.periods, series.points, strict=True):
            values = tuple(getattr(counts, name) for name in domain.COUNT_NAMES)
            if any(values):
                out[(series.key, start)] = values
    return out


async def test_the_aggregate_matches_a_brute_force_count(world: World) -> None:
    s = await _seed(world)
    _emails, asks = cases()
    assert sum(1 for e in s.rows if e.sent_at is not None) > 200
    nonempty = 0
    for ask in asks:
        viewer = s.users[3] if ask.viewer == 0 else s.users[0]
        viewer.timezone = ask.zone
        start = BASE.date() + timedelta(days=ask.start)
        end = start + timedelta(days=ask.days - 1)
        spec = ReportFilter(
            sender_ids=_pick(ask.senders, [u.id for u in s.users]),
            campaign_ids=_pick(ask.campaigns, s.campaigns),
            template_ids=_pick(ask.templates, s.templates),
            include_machine=ask.machine,
        )
        report = await domain.engagement_report(
            viewer, ask.interval, ask.dimension, start, end, spec
        )
        expected = brute_force(s, viewer, ask, start, end, spec)
        assert _cells(report) == expected, ask
        assert report.periods == domain.periods_of(ask.interval, start, end)
        totals = [sum(cell[i] for cell in expected.values()) for i in range(6)]
        assert [getattr(report.total, n) for n in domain.COUNT_NAMES] == totals, ask
        for series in report.series:
            assert len(series.points) == len(report.periods)
            assert series.total.sent == sum(p.sent for p in series.points) > 0
        nonempty += bool(expected)
    assert nonempty > len(asks) // 3  # the draws really exercise the counting
