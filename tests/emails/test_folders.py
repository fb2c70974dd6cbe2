"""Folder listings and counts through the API: seeded data, filters, orders, cursors."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from models.base import clock
from models.emails.tables import FOLDER_STATUSES, EmailStatus
from tests.api import Api, World, drive_to, gid

LIST = """
query($folder: EmailFolder, $status: EmailStatus, $filter: EmailFilter, $orderBy: EmailOrder,
      $first: Int, $after: String, $last: Int, $before: String) {
  emails(folder: $folder, status: $status, filter: $filter, orderBy: $orderBy,
         first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id subject status folder statusAt createdAt } }
  }
}
"""
COUNTS = """
query($viewAs: ID) { folderCounts(viewAs: $viewAs) {
  sent pending undelivered total delivered archived scheduled drafts inProgress failed bounced
  spam statuses { status folder count } } }
"""


async def seed(api: Api, per_status: dict[EmailStatus, int]) -> dict[EmailStatus, list[str]]:
    """Emails in the given statuses, created a second apart so every status date differs."""
    ids: dict[EmailStatus, list[str]] = {status: [] for status in per_status}
    base = clock.now() - timedelta(days=1)
    plan = [status for status, n in per_status.items() for _ in range(n)]
    random.Random(7).shuffle(plan)
    for n, status in enumerate(plan):
        with clock.frozen(base + timedelta(seconds=n)):
            draft = await api.create_draft(subject=f"{status.value.lower()} {n}")
            await drive_to(draft["id"], status)
        ids[status].append(draft["id"])
    return ids


async def listing(api: Api, **variables: Any) -> dict[str, Any]:
    data: dict[str, Any] = (await api(LIST, **variables))["emails"]
    return data


async def test_each_folder_and_status_lists_exactly_its_emails(api: Api) -> None:
    ids = await seed(api, {status: 2 for status in EmailStatus})

    for folder, statuses in FOLDER_STATUSES.items():
        page = await listing(api, folder=folder.value, first=100)
        expected = {i for s in statuses for i in ids[s]}
        assert {e["node"]["id"] for e in page["edges"]} == expected
        assert page["totalCount"] == len(expected)
        assert {e["node"]["folder"] for e in page["edges"]} == {folder.value}
    for status in EmailStatus:
        page = await listing(api, status=status.value)
        assert {e["node"]["id"] for e in page["edges"]} == set(ids[status])


async def test_folder_counts_match_the_listings(api: Api) -> None:
    await seed(
        api,
        {
            EmailStatus.DELIVERED: 3,
            EmailStatus.ARCHIVED: 1,
            EmailStatus.DRAFT: 2,
            EmailStatus.SCHEDULED: 1,
            EmailStatus.IN_PROGRESS: 1,
            EmailStatus.FAILED: 2,
            EmailStatus.BOUNCED: 1,
            EmailStatus.SPAM: 1,
        },
    )

    counts = (await api(COUNTS))["folderCounts"]

    assert (counts["sent"], counts["pending"], counts["undelivered"]) == (4, 4, 4)
    assert counts["total"] == 12
    assert (counts["delivered"], counts["archived"], counts["drafts"]) == (3, 1, 2)
    assert (counts["scheduled"], counts["inProgress"]) == (1, 1)
    assert (counts["failed"], counts["bounced"], counts["spam"]) == (2, 1, 1)
    for entry in counts["statuses"]:
        page = await listing(api, status=entry["status"], first=0)
        assert page["totalCount"] == entry["count"]


async def test_members_see_their_own_and_admins_the_team(world: World) -> None:
    await seed(world.alice, {EmailStatus.DELIVERED: 2})
    await seed(world.bob, {EmailStatus.DELIVERED: 3})

    for api, expected in ((world.alice, 2), (world.bob, 3), (world.lead_a, 5), (world.admin_a, 5)):
        assert (await listing(api, folder="SENT"))["totalCount"] == expected
        assert (await api(COUNTS))["folderCounts"]["sent"] == expected


async def test_admins_view_as_a_teammate_members_may_not(world: World) -> None:
    await seed(world.alice, {EmailStatus.DELIVERED: 2})
    await seed(world.bob, {EmailStatus.DELIVERED: 3})
    bob_id = (await world.bob("{ me { id } }"))["me"]["id"]

    as_bob = await world.lead_a(COUNTS, viewAs=bob_id)
    assert as_bob["folderCounts"]["sent"] == 3
    page = await listing(world.lead_a, folder="SENT", filter={"ownerId": bob_id})
    assert page["totalCount"] == 3

    refused = await world.alice.execute(COUNTS, viewAs=bob_id)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_default_order_is_newest_status_date_first(api: Api) -> None:
    ids = await seed(api, {EmailStatus.DELIVERED: 4, EmailStatus.ARCHIVED: 2})

    page = await listing(api, folder="SENT")
    dates = [e["node"]["statusAt"] for e in page["edges"]]

    assert dates == sorted(dates, reverse=True)
    assert len(page["edges"]) == 6
    assert {e["node"]["id"] for e in page["edges"]} == set(ids[EmailStatus.DELIVERED]) | set(
        ids[EmailStatus.ARCHIVED]
    )


async def test_orders_can_be_chosen(api: Api) -> None:
    await seed(api, {EmailStatus.DRAFT: 3, EmailStatus.SCHEDULED: 3})

    ascending = await listing(
        api, folder="PENDING", orderBy={"field": "CREATED_AT", "direction": "ASC"}
    )
    created = [e["node"]["createdAt"] for e in ascending["edges"]]
    assert created == sorted(created)
    by_status_date = await listing(
        api, folder="PENDING", orderBy={"field": "STATUS_DATE", "direction": "ASC"}
    )
    status_dates = [e["node"]["statusAt"] for e in by_status_date["edges"]]
    assert status_dates == sorted(status_dates)


async def test_pagination_forwards_and_backwards_covers_everything_once(api: Api) -> None:
    ids = await seed(api, {EmailStatus.DELIVERED: 23})
    everything = [e["node"]["id"] for e in (await listing(api, folder="SENT", first=100))["edges"]]
    assert sorted(everything) == sorted(ids[EmailStatus.DELIVERED])

    forwards: list[str] = []
    after = None
    while True:
        page = await listing(api, folder="SENT", first=5, after=after)
        forwards += [e["node"]["id"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert forwards == everything

    backwards: list[str] = []
    before = None
    while True:
        page = await listing(api, folder="SENT", last=5, before=before)
        backwards = [e["node"]["id"] for e in page["edges"]] + backwards
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backwards == everything


async def test_cursors_stay_stable_when_rows_arrive_or_leave(api: Api) -> None:
    ids = await seed(api, {EmailStatus.DELIVERED: 6})
    first = await listing(api, folder="SENT", first=3)
    cursor = first["pageInfo"]["endCursor"]
    expected_rest = [
        e["node"]["id"] for e in (await listing(api, folder="SENT", first=3, after=cursor))["edges"]
    ]

    # A newer email arrives at the top and one of the first page is archived away from DELIVERED.
    newest = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    await api.mutate("archiveEmail", {"id": first["edges"][0]["node"]["id"]}, "email { id }")

    rest = await listing(api, status="DELIVERED", first=3, after=cursor)
    assert [e["node"]["id"] for e in rest["edges"]] == expected_rest
    assert set(expected_rest) <= set(ids[EmailStatus.DELIVERED])
    top = await listing(api, status="DELIVERED", first=1)
    assert top["edges"][0]["node"]["id"] == gid("Email", newest.id)


@pytest.mark.parametrize("size", [101, -1])
async def test_page_sizes_outside_0_to_100_are_refused(api: Api, size: int) -> None:
    for argument in ("first", "last"):
        result = await api.execute(LIST, folder="SENT", **{argument: size})
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"


async def test_a_foreign_or_forged_cursor_is_refused(api: Api) -> None:
    await seed(api, {EmailStatus.DELIVERED: 2})
    cursor = (await listing(api, folder="SENT", first=1))["pageInfo"]["endCursor"]

    for bad in ("garbage", "eyJ4IjoxfQ", cursor + "x"):
        result = await api.execute(LIST, folder="SENT", after=bad)
        assert result["errors"][0]["extensions"]["code"] == "INVALID_CURSOR", bad
    # A cursor of another ordering is not silently misread.
    other_order = {"field": "CREATED_AT", "direction": "ASC"}
    result = await api.execute(LIST, folder="SENT", after=cursor, orderBy=other_order)
    assert result["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_status_outside_the_folder_is_refused(api: Api) -> None:
    result = await api.execute(LIST, folder="SENT", status="DRAFT")
    assert result["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_filters_by_person_campaign_group_and_text(api: Api) -> None:
    from models.campaigns.tables import Campaign
    from models.emails.tables import Email

    ann = await api.create_person("ann@acme.example", firstName="Ann")
    campaign = await Campaign.create(team_id=api.user.team_id, owner_id=api.user.id, name="Q4")
    to_ann = await api.create_draft(personId=ann["id"], subject="Pricing for Acme")
    in_campaign = await api.create_draft(campaignId=gid("Campaign", campaign.id), subject="Intro")
    grouped = await api.create_draft(to=["zed@zeta.example"], subject="Follow-up")
    grouped_row = await drive_to(grouped["id"], EmailStatus.DRAFT)
    await Email.filter(id=grouped_row.id).update(group_id="g-1")

    async def ids(**filter: Any) -> set[str]:
        page = await listing(api, filter=filter, first=100)
        return {e["node"]["id"] for e in page["edges"]}

    assert await ids(personId=ann["id"]) == {to_ann["id"]}
    assert await ids(campaignId=gid("Campaign", campaign.id)) == {in_campaign["id"]}
    assert await ids(groupId="g-1") == {grouped["id"]}
    assert await ids(text="pricing") == {to_ann["id"]}  # subject, any case
    assert await ids(text="ZETA.example") == {grouped["id"]}  # recipient address
    assert await ids(text="acme", personId=ann["id"]) == {to_ann["id"]}  # AND
    assert await ids(text="intro", personId=ann["id"]) == set()
    assert await ids(personId=gid("Person", 10**9)) == set()
    assert await ids(personId="not-an-id") == set()
