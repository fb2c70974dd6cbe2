"""A worker process to be killed: `python -m tests.sending.kill_target ID…` claims and sends the
given emails as ONE batch (workers.delivery.deliver_batch) with the settings of its environment
(CC_DATABASE_URL, CC_SMTP_URL…), then exits. tests/sending/test_kill_mid_batch.py SIGKILLs it
half-way through."""

from __future__ import annotations

import asyncio
import sys

from tortoise import Tortoise

from config.database import tortoise_config
from workers import delivery


async def main(ids: list[int]) -> None:
    await Tortoise.init(config=tortoise_config(), _enable_global_fallback=True)
    try:
        await delivery.deliver_batch(ids)
        await delivery.close_transport()
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main([int(arg) for arg in sys.argv[1:]]))
