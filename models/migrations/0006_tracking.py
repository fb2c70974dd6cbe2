from tortoise import migrations
from tortoise.migrations import operations as ops
from models.engagement.tracking import TrackingKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_engagement')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TrackingLink',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('team_id', fields.IntField()),
                ('email', fields.ForeignKeyField('models.Email', source_field='email_id', db_constraint=True, to_field='id', related_name='tracking_links', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='OPEN: OPEN\nCLICK: CLICK\nUNSUBSCRIBE: UNSUBSCRIBE', enum_type=TrackingKind, max_length=16)),
                ('url', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tracking_link', 'app': 'models', 'indexes': [Index(fields=['email_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
