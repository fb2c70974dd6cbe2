from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.emails.tables import BulkKind, EmailEventKind, EmailStatus
from models.teams.tables import Role
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='EmailEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team_id', fields.IntField()),
                ('owner_id', fields.IntField()),
                ('email_id', fields.IntField()),
                ('kind', fields.CharEnumField(description='CREATED: CREATED\nEDITED: EDITED\nSCHEDULED: SCHEDULED\nRESCHEDULED: RESCHEDULED\nUNSCHEDULED: UNSCHEDULED\nSENDING: SENDING\nDELIVERED: DELIVERED\nFAILED: FAILED\nBOUNCED: BOUNCED\nSPAM_REPORTED: SPAM_REPORTED\nARCHIVED: ARCHIVED\nUNARCHIVED: UNARCHIVED\nRETRIED: RETRIED\nDELETED: DELETED', enum_type=EmailEventKind, max_length=24)),
                ('actor_id', fields.IntField(null=True)),
                ('previous_status', fields.CharEnumField(null=True, description='DELIVERED: DELIVERED\nARCHIVED: ARCHIVED\nSCHEDULED: SCHEDULED\nDRAFT: DRAFT\nIN_PROGRESS: IN_PROGRESS\nFAILED: FAILED\nBOUNCED: BOUNCED\nSPAM: SPAM', enum_type=EmailStatus, max_length=16)),
                ('new_status', fields.CharEnumField(null=True, description='DELIVERED: DELIVERED\nARCHIVED: ARCHIVED\nSCHEDULED: SCHEDULED\nDRAFT: DRAFT\nIN_PROGRESS: IN_PROGRESS\nFAILED: FAILED\nBOUNCED: BOUNCED\nSPAM: SPAM', enum_type=EmailStatus, max_length=16)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'email_event', 'app': 'models', 'indexes': [Index(fields=['email_id', 'id']), Index(fields=['team_id', 'id'])], 'pk_attr': 'id', 'table_description': "One entry of an email's history. Outlives the email (no FK), so deletions stay audited."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StatusCount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team_id', fields.IntField()),
                ('owner_id', fields.IntField()),
                ('status', fields.CharEnumField(description='DELIVERED: DELIVERED\nARCHIVED: ARCHIVED\nSCHEDULED: SCHEDULED\nDRAFT: DRAFT\nIN_PROGRESS: IN_PROGRESS\nFAILED: FAILED\nBOUNCED: BOUNCED\nSPAM: SPAM', enum_type=EmailStatus, max_length=16)),
                ('count', fields.IntField(default=0)),
            ],
            options={'table': 'status_count', 'app': 'models', 'unique_together': (('owner_id', 'status'),), 'indexes': [Index(fields=['team_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Team',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'team', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='users', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(default='', max_length=200)),
                ('role', fields.CharEnumField(default=Role.MEMBER, description='ADMIN: ADMIN\nTEAM_ADMIN: TEAM_ADMIN\nMEMBER: MEMBER', enum_type=Role, max_length=16)),
                ('timezone', fields.CharField(default='UTC', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'user', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('label', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A bearer token. Only a SHA-256 hash of the secret is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.CASCADE)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'campaign', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='people', on_delete=OnDelete.CASCADE)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='people', on_delete=OnDelete.RESTRICT)),
                ('email', fields.CharField(max_length=254)),
                ('first_name', fields.CharField(default='', max_length=100)),
                ('last_name', fields.CharField(default='', max_length=100)),
                ('company', fields.CharField(default='', max_length=200)),
                ('title', fields.CharField(default='', max_length=200)),
                ('custom_fields', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('unsubscribed', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'person', 'app': 'models', 'unique_together': (('team', 'email'),), 'indexes': [Index(fields=['team_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Email',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='emails', on_delete=OnDelete.CASCADE)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='emails', on_delete=OnDelete.RESTRICT)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='emails', on_delete=OnDelete.SET_NULL)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, db_constraint=True, to_field='id', related_name='emails', on_delete=OnDelete.SET_NULL)),
                ('to_addresses', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('cc_addresses', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('bcc_addresses', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('recipients_text', fields.CharField(default='', max_length=4000)),
                ('subject', fields.CharField(default='', max_length=998)),
                ('body_html', fields.TextField(default='', unique=False)),
                ('body_text', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(description='DELIVERED: DELIVERED\nARCHIVED: ARCHIVED\nSCHEDULED: SCHEDULED\nDRAFT: DRAFT\nIN_PROGRESS: IN_PROGRESS\nFAILED: FAILED\nBOUNCED: BOUNCED\nSPAM: SPAM', enum_type=EmailStatus, max_length=16)),
                ('status_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('bulk_kind', fields.CharEnumField(default=BulkKind.SINGLE, description='SINGLE: SINGLE\nSELECT_AND_SEND: SELECT_AND_SEND\nGROUP: GROUP', enum_type=BulkKind, max_length=16)),
                ('group_id', fields.CharField(null=True, max_length=36)),
                ('scheduled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('archived_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failure_code', fields.CharField(null=True, max_length=64)),
                ('failure_detail', fields.TextField(null=True, unique=False)),
                ('message_id', fields.CharField(unique=True, max_length=255)),
                ('view_count', fields.IntField(default=0)),
                ('click_count', fields.IntField(default=0)),
                ('replied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_activity_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'email', 'app': 'models', 'indexes': [Index(fields=['team_id', 'owner_id', 'status', 'status_at', 'id']), Index(fields=['team_id', 'status', 'status_at', 'id']), Index(fields=['team_id', 'owner_id', 'status_at', 'id', 'status']), Index(fields=['team_id', 'status_at', 'id', 'status']), Index(fields=['status', 'scheduled_at']), Index(fields=['person_id']), Index(fields=['campaign_id']), Index(fields=['group_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
