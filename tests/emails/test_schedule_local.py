"""`scheduleEmail` at a wall-clock time in the recipient's time zone (or the sender's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from models.base import clock
from models.emails.tables import Email
from tests.api import Api
from tests.sending.helpers import pk

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
PAYLOAD = (
    "email { id status scheduledAt } "
    "sendTime { localTime timeZone timeZoneSource sendAt dstAdjustment }"
)


async def schedule_local(api: Api, email_id: str, local: str) -> dict[str, Any]:
    return await api.mutate(
        "scheduleEmail",
        {"id": email_id, "sendAt": local, "recipientTimeZone": True},
        PAYLOAD,
    )


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


async def prospect(api: Api, email: str, **place: Any) -> str:
    payload = await api.mutate("createPerson", {"email": email, **place}, "person { id timezone }")
    assert payload["userErrors"] == []
    person_id: str = payload["person"]["id"]
    return person_id


@pytest.mark.parametrize(
    ("local", "utc", "adjustment"),
    [
        ("2026-06-01T09:00:00", datetime(2026, 6, 1, 13, 0, tzinfo=UTC), "NONE"),  # EDT
        ("2026-12-01T09:00:00", datetime(2026, 12, 1, 14, 0, tzinfo=UTC), "NONE"),  # EST
        # 8 March 2026: New York's clocks jump from 02:00 to 03:00; 02:30 becomes 03:30 EDT.
        ("2026-03-08T02:30:00", datetime(2026, 3, 8, 7, 30, tzinfo=UTC), "GAP_SHIFTED"),
        # 1 November 2026: 01:30 happens twice (EDT, then EST); the first is taken.
        ("2026-11-01T01:30:00", datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "OVERLAP_FIRST"),
    ],
)
async def test_nine_oclock_their_time(api: Api, local: str, utc: datetime, adjustment: str) -> None:
    person_id = await prospect(api, "ny@prospect.example", country="US", region="NY")
    draft = await api.create_draft(personId=person_id)
    with clock.frozen(NOW):
        payload = await schedule_local(api, draft["id"], local)
    assert payload["userErrors"] == []
    assert payload["email"]["status"] == "SCHEDULED"
    assert instant(payload["email"]["scheduledAt"]) == utc
    send_time = payload["sendTime"]
    assert send_time["localTime"] == local[:16]
    assert (send_time["timeZone"], send_time["timeZoneSource"]) == ("America/New_York", "RECIPIENT")
    assert (instant(send_time["sendAt"]), send_time["dstAdjustment"]) == (utc, adjustment)
    stored = await Email.get(id=pk(draft["id"]))
    assert stored.scheduled_at == utc


async def test_the_recipient_is_found_by_address_and_unknown_zones_use_the_senders(
    api: Api,
) -> None:
    await prospect(api, "tokyo@prospect.example", timezone="Asia/Tokyo")
    by_address = await api.create_draft(to=["tokyo@prospect.example"])
    assert (await api.mutate("updateMe", {"timezone": "Europe/Paris"}, "me { id }"))[
        "userErrors"
    ] == []
    with clock.frozen(NOW):
        payload = await schedule_local(api, by_address["id"], "2026-03-02T09:00:00")
        assert instant(payload["email"]["scheduledAt"]) == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
        assert payload["sendTime"]["timeZoneSource"] == "RECIPIENT"

        # No zone known for this prospect: 09:00 is the sender's 09:00, and the payload says so.
        unknown = await prospect(api, "somewhere@prospect.example", country="US")
        draft = await api.create_draft(personId=unknown)
        payload = await schedule_local(api, draft["id"], "2026-03-02T09:00:00")
    assert instant(payload["email"]["scheduledAt"]) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert (payload["sendTime"]["timeZone"], payload["sendTime"]["timeZoneSource"]) == (
        "Europe/Paris",
        "SENDER",
    )


async def test_an_absolute_time_is_unchanged_and_has_no_send_time(api: Api) -> None:
    draft = await api.create_draft()
    with clock.frozen(NOW):
        payload = await api.mutate(
            "scheduleEmail", {"id": draft["id"], "sendAt": "2026-03-02T09:00:00+01:00"}, PAYLOAD
        )
    assert instant(payload["email"]["scheduledAt"]) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert payload["sendTime"] is None


@pytest.mark.parametrize(
    ("local", "code"),
    [
        ("2026-03-02T09:00:00+01:00", "INVALID_INPUT"),  # an offset contradicts "their time"
        ("2026-01-31T09:00:00", "NOT_IN_FUTURE"),
        ("2028-01-01T09:00:00", "INVALID_INPUT"),  # more than a year ahead
    ],
)
async def test_bad_local_times_are_refused_and_change_nothing(
    api: Api, local: str, code: str
) -> None:
    person_id = await prospect(api, "ny@prospect.example", timezone="America/New_York")
    draft = await api.create_draft(personId=person_id)
    before = await Email.all().values()
    with clock.frozen(NOW):
        payload = await schedule_local(api, draft["id"], local)
    assert payload["email"] is None and payload["sendTime"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("sendAt", code)]
    assert await Email.all().values() == before


async def test_another_teams_email_is_not_found(api: Api, world: Any) -> None:
    draft = await world.carol.create_draft()
    payload = await schedule_local(api, draft["id"], "2026-06-01T09:00:00")
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
