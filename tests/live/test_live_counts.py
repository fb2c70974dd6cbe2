"""folderCountsChanged: current counts first, then coalesced updates that end on the real counts."""

from __future__ import annotations

from models.base import clock
from models.emails import commands as emails
from models.emails import folders, transitions
from models.emails.state_machine import Action
from models.emails.tables import Email
from tests.api import World, gid
from tests.live_clients import COUNTS_CHANGED, bearer, feeds_open, ws_client

BURST_EMAILS = 125  # x4 transitions = 500
STEPS = [
    (Action.SEND_NOW, {"scheduled_at": "now"}),
    (Action.CLAIM, {"sent_at": "now", "lease_expires_at": "now"}),
    (Action.MARK_DELIVERED, {"delivered_at": "now"}),
    (Action.ARCHIVE, {"archived_at": "now"}),
]


def expected(counts: folders.FolderCounts) -> dict[str, int]:
    return {
        "sent": counts.folder(folders.EmailFolder.SENT),
        "pending": counts.folder(folders.EmailFolder.PENDING),
        "undelivered": counts.folder(folders.EmailFolder.UNDELIVERED),
        "total": counts.total,
        "scheduled": counts.status(folders.EmailStatus.SCHEDULED),
        "drafts": counts.status(folders.EmailStatus.DRAFT),
    }


async def test_a_burst_of_500_transitions_gives_a_handful_of_updates(
    live: World, server: str
) -> None:
    alice = live.alice.user
    drafts = [
        await emails.create_draft(alice, emails.DraftFields(to=["p@example.com"]))
        for _ in range(BURST_EMAILS)
    ]
    async with ws_client(server, bearer(live.alice.token)) as ws:
        op = await ws.subscribe(COUNTS_CHANGED)
        initial = (await ws.next(op))["folderCountsChanged"]
        assert initial["drafts"] == BURST_EMAILS and initial["sent"] == 0
        await feeds_open(1)
        transitions_made = 0
        for draft in drafts:
            email: Email | None = draft
            for action, values in STEPS:
                assert email is not None
                email = await transitions.apply(
                    email, action, alice, changes={k: clock.now() for k in values}
                )
                transitions_made += 1
        final = expected(await folders.folder_counts(alice))
        updates = []
        while not updates or updates[-1] != final:
            updates.append((await ws.next(op))["folderCountsChanged"])

    assert transitions_made == 500
    assert final["sent"] == BURST_EMAILS and final["drafts"] == 0
    assert 1 <= len(updates) <= 25, len(updates)  # coalesced, not one per transition


async def test_other_teams_changes_do_not_trigger_updates(live: World, server: str) -> None:
    async with ws_client(server, bearer(live.carol.token)) as carol:
        op = await carol.subscribe(COUNTS_CHANGED)
        assert (await carol.next(op))["folderCountsChanged"]["total"] == 0
        await feeds_open(1)
        await live.alice.create_draft(subject="team A")
        await live.carol.create_draft(subject="team B")
        update = (await carol.next(op))["folderCountsChanged"]
    assert update["drafts"] == 1 and update["total"] == 1


async def test_view_as_counts_one_teammate(live: World, server: str) -> None:
    await live.bob.create_draft()
    async with ws_client(server, bearer(live.lead_a.token)) as lead:
        op = await lead.subscribe(COUNTS_CHANGED, viewAs=gid("User", live.bob.user.id))
        assert (await lead.next(op))["folderCountsChanged"]["drafts"] == 1
