"""Every EmailFilter condition and their combinations: the SQL query (models/search/filters.apply)
and
the live matcher (models/search/matching) against a brute-force evaluation over all rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.base import clock
from models.base.errors import DomainError, ErrorCode, ValidationErrors
from models.emails import folders
from models.emails.tables import Email, EmailEvent, EmailFolder, EmailStatus
from models.search import filters as search
from models.search import matching as search_match
from models.search.filters import CampaignMatch, DateField, DatePreset, EmailFilter, Engagement
from models.teams.tables import User
from tests.api import World
from tests.search.seed import NOW, Seeded, brute_force, seed


async def _check(viewer: User, spec: EmailFilter) -> set[int]:
    rows = await Email.all()
    events = await EmailEvent.all()
    expected = brute_force(spec, viewer, rows, events)
    with clock.frozen(NOW):
        query = await folders.email_query(viewer, filter=spec)
        got = set(await query.values_list("id", flat=True))
        count = await folders.count_emails(viewer, filter=spec)
    assert got == expected, spec
    assert count == len(expected)
    # The live matcher agrees on every row (visibility is the caller's job: skip invisible ones).
    by_email: dict[int, list[search_match.Engaged]] = {}
    for e in events:
        by_email.setdefault(e.email_id, []).append(
            search_match.Engaged(e.kind, e.machine, e.occurred_at)
        )
    visible = brute_force(EmailFilter(owner_id=spec.owner_id), viewer, rows, events)
    live = {
        row.id
        for row in rows
        if row.id in visible
        and search_match.matches(
            spec, row, by_email.get(row.id, []), tz=ZoneInfo(viewer.timezone), now=NOW
        )
    }
    assert live == expected, spec
    # So does the compiled form the live hub runs.
    check = search_match.compile_spec(spec, ZoneInfo(viewer.timezone))
    compiled = {r.id for r in rows if r.id in visible and check(r, by_email.get(r.id, []), NOW)}
    assert compiled == expected, spec
    return got


@pytest.fixture
async def data(world: World) -> Seeded:
    await User.filter(id=world.alice.user.id).update(timezone="America/New_York")
    await world.alice.user.refresh_from_db()
    return await seed(world)


def single_conditions(s: Seeded) -> list[EmailFilter]:
    e = Engagement
    return [
        EmailFilter(),
        EmailFilter(owner_id=s.users[1].id),
        EmailFilter(person_id=s.people[1]),
        EmailFilter(person_ids=(s.people[0], s.people[2])),
        EmailFilter(campaign_id=s.campaigns[0]),
        EmailFilter(campaign=CampaignMatch.ANY),
        EmailFilter(campaign=CampaignMatch.NONE),
        EmailFilter(group_id=s.groups[1]),
        EmailFilter(template_id=s.templates[0]),
        EmailFilter(text="OFFER"),
        EmailFilter(text="other1"),
        EmailFilter(folder=EmailFolder.SENT),
        EmailFilter(folder=EmailFolder.UNDELIVERED),
        EmailFilter(status=EmailStatus.DELIVERED),
        EmailFilter(date_from=NOW - timedelta(days=20)),
        EmailFilter(date_from=NOW - timedelta(days=40), date_to=NOW - timedelta(days=10)),
        EmailFilter(date_field=DateField.CREATED, date_to=NOW - timedelta(days=30)),
        EmailFilter(date_field=DateField.DELIVERED, date_from=NOW - timedelta(days=30)),
        EmailFilter(date_field=DateField.SCHEDULED, date_from=NOW - timedelta(days=30)),
        EmailFilter(date_field=DateField.FAILED, date_preset=DatePreset.LAST_30_DAYS),
        *(EmailFilter(date_preset=p) for p in DatePreset),
        EmailFilter(viewed=e()),
        EmailFilter(viewed=e(happened=False)),
        EmailFilter(viewed=e(), exclude_machine=True),
        EmailFilter(viewed=e(happened=False), exclude_machine=True),
        EmailFilter(viewed=e(at_least=2)),
        EmailFilter(viewed=e(at_least=3), exclude_machine=True),
        EmailFilter(viewed=e(within_days=10)),
        EmailFilter(viewed=e(at_least=2, within_days=30)),
        EmailFilter(viewed=e(happened=False, within_days=7)),
        EmailFilter(clicked=e()),
        EmailFilter(clicked=e(happened=False)),
        EmailFilter(clicked=e(at_least=2), exclude_machine=True),
        EmailFilter(clicked=e(within_days=15), exclude_machine=True),
        EmailFilter(replied=e()),
        EmailFilter(replied=e(happened=False)),
        EmailFilter(replied=e(at_least=2)),
        EmailFilter(replied=e(within_days=5)),
        EmailFilter(replied=e(happened=False, within_days=20)),
    ]


async def test_every_condition_alone_matches_brute_force(world: World, data: Seeded) -> None:
    sizes = []
    for viewer in (world.lead_a.user, world.alice.user):
        for spec in single_conditions(data):
            if spec.owner_id is not None and not viewer.sees_whole_team:
                continue
            sizes.append(len(await _check(viewer, spec)))
    # The data set is varied enough that conditions select something, and not everything.
    assert sum(1 for n in sizes if n > 0) > len(sizes) * 0.7
    assert max(sizes) > min(sizes)


async def test_the_campaign_shape_viewed_clicked_not_replied(world: World, data: Seeded) -> None:
    spec = EmailFilter(
        campaign_id=data.campaigns[0],
        viewed=Engagement(),
        clicked=Engagement(),
        replied=Engagement(happened=False),
    )
    assert await _check(world.lead_a.user, spec)


def _specs(s: Seeded) -> st.SearchStrategy[EmailFilter]:
    engagement = (
        st.none()
        | st.builds(
            Engagement,
            happened=st.booleans(),
            at_least=st.just(1),
            within_days=st.none() | st.sampled_from([3, 10, 30]),
        )
        | st.builds(
            Engagement,
            happened=st.just(True),
            at_least=st.integers(1, 3),
            within_days=st.none() | st.sampled_from([10, 60]),
        )
    )
    return st.builds(
        EmailFilter,
        owner_id=st.none() | st.sampled_from([u.id for u in s.users]),
        person_id=st.none() | st.sampled_from(s.people),
        campaign_id=st.none() | st.sampled_from(s.campaigns),
        group_id=st.none() | st.sampled_from(s.groups),
        template_id=st.none() | st.sampled_from(s.templates),
        text=st.none() | st.sampled_from(["offer", "news", "#1"]),
        folder=st.none() | st.sampled_from(list(EmailFolder)),
        date_preset=st.none() | st.sampled_from(list(DatePreset)),
        viewed=engagement,
        clicked=engagement,
        replied=engagement,
        exclude_machine=st.booleans(),
    )


def _valid(spec: EmailFilter) -> bool:
    try:
        search.validate(spec)
    except (DomainError, ValidationErrors):
        return False
    return True


async def test_random_combinations_match_brute_force(world: World, data: Seeded) -> None:
    # Hypothesis draws the combinations (derandomized, so both backends see the same ones); the
    # database checks run afterwards in this event loop.
    drawn: list[EmailFilter] = []

    @settings(
        max_examples=120,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_specs(data))
    def draw(spec: EmailFilter) -> None:
        drawn.append(spec if _valid(spec) else replace(spec, exclude_machine=False))

    draw()
    assert len(drawn) >= 100
    nonempty = 0
    for spec in drawn:
        if _valid(spec):
            nonempty += bool(await _check(world.lead_a.user, spec))
    assert nonempty > 10


@pytest.mark.parametrize(
    ("spec", "field", "code"),
    [
        (
            EmailFilter(folder=EmailFolder.SENT, status=EmailStatus.DRAFT),
            "filter.status",
            ErrorCode.INVALID_INPUT,
        ),
        (EmailFilter(campaign_id=1, campaign=CampaignMatch.ANY), "filter.campaign", None),
        (
            EmailFilter(date_preset=DatePreset.TODAY, date_from=NOW),
            "filter.datePreset",
            None,
        ),
        (EmailFilter(date_from=NOW, date_to=NOW - timedelta(days=1)), "filter.dateTo", None),
        (EmailFilter(date_from=NOW.replace(tzinfo=None)), "filter.dateFrom", None),
        (EmailFilter(date_field=DateField.CREATED), "filter.dateField", None),
        (EmailFilter(viewed=Engagement(at_least=0)), "filter.viewed.atLeast", None),
        (
            EmailFilter(clicked=Engagement(happened=False, at_least=2)),
            "filter.clicked.atLeast",
            None,
        ),
        (EmailFilter(replied=Engagement(within_days=0)), "filter.replied.withinDays", None),
        (EmailFilter(exclude_machine=True), "filter.excludeMachine", None),
        (EmailFilter(replied=Engagement(), exclude_machine=True), "filter.excludeMachine", None),
        (EmailFilter(text="x" * 201), "filter.text", ErrorCode.TOO_LONG),
        (EmailFilter(person_ids=()), "filter.personIds", None),
    ],
)
async def test_invalid_combinations_are_typed_errors(
    world: World, spec: EmailFilter, field: str, code: ErrorCode | None
) -> None:
    with pytest.raises(DomainError) as caught:
        await folders.email_query(world.lead_a.user, filter=spec)
    assert caught.value.field == field
    assert caught.value.code is (code or ErrorCode.INVALID_INPUT)


async def test_several_problems_are_reported_together(world: World) -> None:
    spec = EmailFilter(campaign_id=1, campaign=CampaignMatch.NONE, exclude_machine=True)
    with pytest.raises(ValidationErrors) as caught:
        await folders.email_query(world.lead_a.user, filter=spec)
    assert {e.field for e in caught.value.errors} == {"filter.campaign", "filter.excludeMachine"}


async def test_members_may_not_view_as_a_teammate(world: World, data: Seeded) -> None:
    with pytest.raises(DomainError) as caught:
        await folders.email_query(world.alice.user, filter=EmailFilter(owner_id=data.users[1].id))
    assert caught.value.code is ErrorCode.FORBIDDEN


async def test_other_team_sees_nothing_of_team_a(world: World, data: Seeded) -> None:
    spec = EmailFilter(campaign_id=data.campaigns[0], viewed=Engagement())
    assert await _check(world.admin_b.user, spec) == set()
    with pytest.raises(DomainError) as caught:
        await folders.email_query(world.admin_b.user, filter=EmailFilter(owner_id=data.users[0].id))
    assert caught.value.code is ErrorCode.NOT_FOUND


async def test_spec_round_trips_through_json(data: Seeded) -> None:
    for spec in single_conditions(data):
        assert EmailFilter.from_json(spec.to_json()) == spec
