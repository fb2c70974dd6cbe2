from tortoise import migrations
from tortoise.migrations import operations as ops
from models.inbound.tables import InboundOutcome, InboundVia
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_tracking')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InboundMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('via', fields.CharEnumField(description='SMTP: SMTP\nHTTP: HTTP', enum_type=InboundVia, max_length=8)),
                ('outcome', fields.CharEnumField(description='REPLY: REPLY\nAUTO_REPLY: AUTO_REPLY\nBOUNCE_PERMANENT: BOUNCE_PERMANENT\nBOUNCE_TEMPORARY: BOUNCE_TEMPORARY\nSPAM_COMPLAINT: SPAM_COMPLAINT\nUNMATCHED: UNMATCHED\nERROR: ERROR', enum_type=InboundOutcome, max_length=24)),
                ('team_id', fields.IntField(null=True)),
                ('email_id', fields.IntField(null=True)),
                ('owner_id', fields.IntField(null=True)),
                ('message_id', fields.CharField(unique=True, max_length=255)),
                ('from_address', fields.CharField(default='', max_length=320)),
                ('subject', fields.CharField(default='', max_length=998)),
                ('size', fields.IntField(default=0)),
                ('detail', fields.TextField(default='', unique=False)),
                ('raw_bytes', fields.BinaryField(null=True)),
            ],
            options={'table': 'inbound_message', 'app': 'models', 'indexes': [Index(fields=['team_id', 'outcome']), Index(fields=['team_id', 'owner_id', 'outcome']), Index(fields=['outcome', 'received_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
