from tortoise import migrations
from tortoise.migrations import operations as ops
from models.inbound.tables import InboundOutcome
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_time_zones')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='InboundMessage',
            name='outcome',
            field=fields.CharEnumField(description='RECEIVED: RECEIVED\nREPLY: REPLY\nAUTO_REPLY: AUTO_REPLY\nBOUNCE_PERMANENT: BOUNCE_PERMANENT\nBOUNCE_TEMPORARY: BOUNCE_TEMPORARY\nSPAM_COMPLAINT: SPAM_COMPLAINT\nUNMATCHED: UNMATCHED\nERROR: ERROR\nUNVERIFIED: UNVERIFIED', enum_type=InboundOutcome, max_length=24),
        ),
        ops.AddField(
            model_name='InboundMessage',
            name='claimed_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='InboundMessage',
            name='envelope_from',
            field=fields.CharField(null=True, max_length=320),
        ),
        ops.AddField(
            model_name='InboundMessage',
            name='envelope_to',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddIndex(
            model_name='InboundMessage',
            index=Index(fields=['team_id', 'received_at', 'id']),
        ),
    ]
