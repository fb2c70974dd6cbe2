"""What must hold after a run with crashes: each email delivered exactly once, or honestly
uncertain and sent at most once; nothing left in flight; counters equal to the rows; the
subscriber saw every change of every email, in order.

`assert_outcome` takes the rule for "may this email be uncertain?" as a parameter, so a stricter
crash precision (only emails a dead worker had started and not finished) tightens it in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from models.emails.tables import EmailStatus
from models.sending.rules import FailureCode


@dataclass(frozen=True)
class Row:
    """One email as the database has it at the end, and how often the sink received it."""

    id: int
    message_id: str
    status: EmailStatus
    failure_code: str | None
    sent_at_set: bool  # claimed at some point (a worker started it)
    at_sink: int

    @property
    def uncertain(self) -> bool:
        return (
            self.status is EmailStatus.FAILED
            and self.failure_code == FailureCode.DELIVERY_UNCERTAIN.value
        )


def any_claimed(row: Row) -> bool:
    """Today's rule: an email may end uncertain if a worker claimed it (its lease ran out)."""
    return row.sent_at_set


@dataclass(frozen=True)
class Summary:
    delivered: int
    uncertain: int
    uncertain_at_sink: int


def assert_outcome(
    rows: list[Row],
    sink_counts: Mapping[str, int],
    *,
    may_be_uncertain: Callable[[Row], bool] = any_claimed,
    max_uncertain: int,
) -> Summary:
    """Every email DELIVERED and at the sink exactly once, or FAILED DELIVERY_UNCERTAIN (allowed
    for it by `may_be_uncertain`) and at the sink at most once; at most `max_uncertain` of those
    (what the killed worker could hold at once); nothing at the sink that is not one of `rows`."""
    problems: list[str] = []
    by_status = Counter(row.status for row in rows)
    for row in rows:
        if row.status is EmailStatus.DELIVERED:
            if row.at_sink != 1:
                problems.append(f"email {row.id} DELIVERED but at the sink {row.at_sink}×")
        elif row.uncertain:
            if row.at_sink > 1:
                problems.append(f"email {row.id} uncertain but at the sink {row.at_sink}×")
            if not may_be_uncertain(row):
                problems.append(f"email {row.id} uncertain though it may not be")
        else:
            problems.append(f"email {row.id} ended {row.status.value} ({row.failure_code})")
    known = {row.message_id for row in rows}
    strangers = sorted(set(sink_counts) - known)
    if strangers:
        problems.append(f"{len(strangers)} messages at the sink of no email: {strangers[:3]}")
    uncertain = [row for row in rows if row.uncertain]
    if len(uncertain) > max_uncertain:
        problems.append(f"{len(uncertain)} uncertain emails, more than {max_uncertain}")
    assert not problems, f"{len(problems)} problems ({dict(by_status)}): {problems[:10]}"
    return Summary(
        delivered=by_status[EmailStatus.DELIVERED],
        uncertain=len(uncertain),
        uncertain_at_sink=sum(row.at_sink for row in uncertain),
    )


def assert_every_change_seen(
    seen: Mapping[str, list[int]], events: Mapping[str, list[int]]
) -> None:
    """The subscriber's cursors per email (global ID) equal the EmailEvent ids of that email, in
    order: nothing missed, nothing twice, nothing out of order."""
    missing = {email: ids for email, ids in events.items() if seen.get(email, []) != ids}
    extra = sorted(set(seen) - set(events))
    assert not extra, f"changes of {len(extra)} unknown emails were seen: {extra[:3]}"
    samples = [(email, seen.get(email), ids) for email, ids in list(missing.items())[:5]]
    assert not missing, f"{len(missing)} emails' changes not seen exactly: (seen, table) {samples}"
