from tortoise import migrations
from tortoise.migrations import operations as ops
from models.engagement.replies import ReplyMatch
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_leases')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BouncedAddress',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='bounced_addresses', on_delete=OnDelete.CASCADE)),
                ('address', fields.CharField(max_length=254)),
                ('undeliverable_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('email_id', fields.IntField(null=True)),
                ('soft_bounces', fields.IntField(default=0)),
                ('last_soft_bounce_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_soft_email_id', fields.IntField(null=True)),
                ('last_soft_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bounced_address', 'app': 'models', 'unique_together': (('team', 'address'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EmailReply',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team_id', fields.IntField()),
                ('email_id', fields.IntField()),
                ('inbound_id', fields.BigIntField(null=True)),
                ('from_address', fields.CharField(default='', max_length=320)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('subject', fields.CharField(default='', max_length=998)),
                ('text', fields.TextField(default='', unique=False)),
                ('snippet', fields.CharField(default='', max_length=200)),
                ('matched_by', fields.CharEnumField(description='THREAD: THREAD\nADDRESS: ADDRESS', enum_type=ReplyMatch, max_length=8)),
                ('automatic', fields.BooleanField(default=False)),
            ],
            options={'table': 'email_reply', 'app': 'models', 'indexes': [Index(fields=['email_id', 'received_at', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Email',
            name='source_body_html',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Email',
            name='source_body_text',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Email',
            name='source_subject',
            field=fields.CharField(null=True, max_length=998),
        ),
    ]
