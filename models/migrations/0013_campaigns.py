from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.campaigns.tables import CampaignStatus, MembershipEventKind, MembershipState, StepKind, weekdays
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_bounces_replies')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CampaignMembership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team_id', fields.IntField()),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='campaign_memberships', on_delete=OnDelete.CASCADE)),
                ('sender', fields.ForeignKeyField('models.User', source_field='sender_id', db_constraint=True, to_field='id', related_name='campaign_memberships', on_delete=OnDelete.RESTRICT)),
                ('state', fields.CharEnumField(default=MembershipState.ACTIVE, description='ACTIVE: ACTIVE\nPAUSED: PAUSED\nFINISHED: FINISHED\nREPLIED: REPLIED\nBOUNCED: BOUNCED\nUNSUBSCRIBED: UNSUBSCRIBED\nREMOVED: REMOVED', enum_type=MembershipState, max_length=16)),
                ('step', fields.IntField(default=1)),
                ('next_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('dispatch_after', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('waiting_task_id', fields.IntField(null=True)),
                ('stop_reason', fields.CharField(null=True, max_length=32)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'campaign_membership', 'app': 'models', 'unique_together': (('campaign_id', 'person_id'),), 'indexes': [Index(fields=['state', 'next_due_at']), Index(fields=['campaign_id', 'state', 'step', 'id']), Index(fields=['person_id', 'state'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignMembershipEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team_id', fields.IntField()),
                ('campaign_id', fields.IntField()),
                ('membership_id', fields.IntField()),
                ('person_id', fields.IntField()),
                ('kind', fields.CharEnumField(description='ADDED: ADDED\nSTEP_ADVANCED: STEP_ADVANCED\nSTEP_SENT: STEP_SENT\nPAUSED: PAUSED\nRESUMED: RESUMED\nFINISHED: FINISHED\nSTOPPED: STOPPED', enum_type=MembershipEventKind, max_length=16)),
                ('state', fields.CharEnumField(description='ACTIVE: ACTIVE\nPAUSED: PAUSED\nFINISHED: FINISHED\nREPLIED: REPLIED\nBOUNCED: BOUNCED\nUNSUBSCRIBED: UNSUBSCRIBED\nREMOVED: REMOVED', enum_type=MembershipState, max_length=16)),
                ('step', fields.IntField()),
                ('reason', fields.CharField(null=True, max_length=32)),
                ('actor_id', fields.IntField(null=True)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'campaign_membership_event', 'app': 'models', 'indexes': [Index(fields=['campaign_id', 'id']), Index(fields=['membership_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignStep',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='steps', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('kind', fields.CharEnumField(description='AUTO_EMAIL: AUTO_EMAIL\nMANUAL_EMAIL: MANUAL_EMAIL\nCALL: CALL\nINMAIL: INMAIL\nCUSTOM: CUSTOM', enum_type=StepKind, max_length=16)),
                ('delay_days', fields.IntField(default=0)),
                ('time_of_day', fields.IntField(null=True)),
                ('template_id', fields.IntField(null=True)),
                ('subject', fields.CharField(default='', max_length=998)),
                ('body_html', fields.TextField(default='', unique=False)),
                ('body_text', fields.TextField(default='', unique=False)),
                ('reply_in_thread', fields.BooleanField(default=False)),
                ('title', fields.CharField(default='', max_length=200)),
                ('details', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'campaign_step', 'app': 'models', 'indexes': [Index(fields=['campaign_id', 'position'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignStepRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('membership', fields.ForeignKeyField('models.CampaignMembership', source_field='membership_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('campaign_id', fields.IntField()),
                ('step', fields.IntField()),
                ('kind', fields.CharEnumField(description='AUTO_EMAIL: AUTO_EMAIL\nMANUAL_EMAIL: MANUAL_EMAIL\nCALL: CALL\nINMAIL: INMAIL\nCUSTOM: CUSTOM', enum_type=StepKind, max_length=16)),
                ('email_id', fields.IntField(null=True)),
                ('task_id', fields.IntField(null=True)),
                ('message_id', fields.CharField(null=True, max_length=255)),
                ('subject', fields.CharField(default='', max_length=998)),
                ('body_html', fields.TextField(default='', unique=False)),
                ('body_text', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'campaign_step_run', 'app': 'models', 'unique_together': (('membership_id', 'step'),), 'indexes': [Index(fields=['task_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Campaign',
            name='exclusive',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Campaign',
            name='shared',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='Campaign',
            name='skip_weekends',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='Campaign',
            name='status',
            field=fields.CharEnumField(default=CampaignStatus.DRAFT, description='DRAFT: DRAFT\nACTIVE: ACTIVE\nPAUSED: PAUSED\nARCHIVED: ARCHIVED', db_default='DRAFT', enum_type=CampaignStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Campaign',
            name='stop_on_any_reply',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Campaign',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Campaign',
            name='window_days',
            field=fields.JSONField(null=True, default=weekdays, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Campaign',
            name='window_end',
            field=fields.IntField(default=1080, db_default=1080),
        ),
        ops.AddField(
            model_name='Campaign',
            name='window_start',
            field=fields.IntField(default=480, db_default=480),
        ),
        ops.AddIndex(
            model_name='Campaign',
            index=Index(fields=['team_id', 'name', 'id']),
        ),
        ops.AddField(
            model_name='Email',
            name='campaign_step',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Email',
            name='in_reply_to',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='Email',
            name='thread_references',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
    ]
