from tortoise import migrations
from tortoise.migrations import operations as ops
from models.tasks.tables import TaskPriority, TaskStatus, TaskType
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_templates_bulk')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Task',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', db_constraint=True, to_field='id', related_name='assigned_tasks', on_delete=OnDelete.RESTRICT)),
                ('creator', fields.ForeignKeyField('models.User', source_field='creator_id', db_constraint=True, to_field='id', related_name='created_tasks', on_delete=OnDelete.RESTRICT)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.SET_NULL)),
                ('email', fields.ForeignKeyField('models.Email', source_field='email_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.SET_NULL)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.SET_NULL)),
                ('campaign_step', fields.IntField(null=True)),
                ('type', fields.CharEnumField(description='EMAIL: EMAIL\nCALL: CALL\nINMAIL: INMAIL\nCUSTOM: CUSTOM', enum_type=TaskType, max_length=16)),
                ('title', fields.CharField(max_length=200)),
                ('details', fields.TextField(default='', unique=False)),
                ('priority', fields.CharEnumField(default=TaskPriority.NORMAL, description='NORMAL: NORMAL\nHIGH: HIGH', enum_type=TaskPriority, max_length=16)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=TaskStatus.OPEN, description='OPEN: OPEN\nCOMPLETED: COMPLETED\nSKIPPED: SKIPPED', enum_type=TaskStatus, max_length=16)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.TextField(default='', unique=False)),
                ('snoozed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'task', 'app': 'models', 'indexes': [Index(fields=['team_id', 'assignee_id', 'status', 'due_at', 'id', 'snoozed_until']), Index(fields=['team_id', 'assignee_id', 'completed_at', 'id']), Index(fields=['email_id']), Index(fields=['person_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
