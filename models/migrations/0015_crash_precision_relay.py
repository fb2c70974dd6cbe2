"""h18a: crash precision and relay outages.

`email.smtp_started_at` (set just before MAIL FROM) tells the lease sweep which emails may have
gone out; rows IN_PROGRESS before this migration are assumed started (we cannot know), so the
sweep still ends them DELIVERY_UNCERTAIN as before. `send_attempts` / `deferred_since` drive the
backoff of temporary failures; `relay_status` holds the shared relay state (UP / DOWN).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.sending.relay import RelayState
from tortoise import fields

BACKFILL = (
    "UPDATE email SET smtp_started_at = status_at "
    "WHERE status = 'IN_PROGRESS' AND smtp_started_at IS NULL"
)


async def _started_unknown(apps, editor) -> None:
    await editor.client.execute_script(BACKFILL)


async def _nothing(apps, editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('models', '0014_report_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RelayStatus',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('state', fields.CharEnumField(description='UP: UP\nDOWN: DOWN', enum_type=RelayState, max_length=8)),
                ('since', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=300)),
                ('next_probe_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('probe_delay', fields.FloatField(default=0)),
            ],
            options={'table': 'relay_status', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Email',
            name='deferred_since',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Email',
            name='send_attempts',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Email',
            name='smtp_started_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Email',
            name='smtp_reply',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.RunPython(_started_unknown, _nothing),
    ]
