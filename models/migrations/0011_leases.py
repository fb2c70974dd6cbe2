"""Hand-written (h14a): every IN_PROGRESS email has a lease, and the database refuses one without.

Old rows first: IN_PROGRESS emails written before every claim took a lease (the demo data) get
one that already ended, at their claim time (`status_at`, a column-to-column copy), so the next
sweep moves them to FAILED DELIVERY_UNCERTAIN. Then the rule itself: a CHECK constraint on
PostgreSQL; SQLite cannot add a CHECK to an existing table without rebuilding it (and Tortoise's
rebuild drops the table's indexes), so two triggers refuse the same rows with the same message.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

NAME = "email_in_progress_has_lease"
RULE = "status <> 'IN_PROGRESS' OR lease_expires_at IS NOT NULL"
BACKFILL = (
    "UPDATE email SET lease_expires_at = status_at "
    "WHERE status = 'IN_PROGRESS' AND lease_expires_at IS NULL"
)


def _sqlite_trigger(event: str) -> str:
    return (
        f"CREATE TRIGGER {NAME}_{event.split()[0].lower()} BEFORE {event} ON email "
        "FOR EACH ROW WHEN NEW.status = 'IN_PROGRESS' AND NEW.lease_expires_at IS NULL "
        f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}'); END"
    )


async def forward(apps, editor) -> None:
    conn = editor.client
    await conn.execute_script(BACKFILL)
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"ALTER TABLE email ADD CONSTRAINT {NAME} CHECK ({RULE})")
    else:
        await conn.execute_script(_sqlite_trigger("INSERT"))
        await conn.execute_script(_sqlite_trigger("UPDATE OF status, lease_expires_at"))


async def backward(apps, editor) -> None:
    conn = editor.client
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"ALTER TABLE email DROP CONSTRAINT IF EXISTS {NAME}")
    else:
        await conn.execute_script(f"DROP TRIGGER IF EXISTS {NAME}_insert")
        await conn.execute_script(f"DROP TRIGGER IF EXISTS {NAME}_update")


class Migration(migrations.Migration):
    dependencies = [("models", "0010_inbound_trust")]

    initial = False

    operations = [ops.RunPython(forward, backward)]
