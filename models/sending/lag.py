"""How far behind sending is: the age of the oldest SCHEDULED email that is already due.

Zero while the dispatcher keeps up (a due email is claimed within about CC_DISPATCH_INTERVAL);
growing while no dispatcher runs, the broker is away or workers cannot keep up. Read on each
scrape of GET /metrics (`cc_dispatcher_lag_seconds`).
"""

from __future__ import annotations

from datetime import datetime

from models.base import clock
from models.emails.tables import Email, EmailStatus


async def dispatcher_lag_seconds() -> float:
    now = clock.now()
    oldest = (
        await Email.filter(status=EmailStatus.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at")
        .limit(1)
        .values_list("scheduled_at", flat=True)
    )
    if not oldest or not isinstance(oldest[0], datetime):
        return 0.0
    return max(0.0, (now - oldest[0]).total_seconds())
