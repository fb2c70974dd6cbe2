from tortoise import migrations
from tortoise.migrations import operations as ops
from models.emails.tables import EmailEventKind
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_tasks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Email',
            name='first_viewed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Email',
            name='machine_click_count',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Email',
            name='machine_view_count',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Email',
            name='reply_count',
            field=fields.IntField(default=0),
        ),
        ops.AlterField(
            model_name='EmailEvent',
            name='kind',
            field=fields.CharEnumField(description='CREATED: CREATED\nEDITED: EDITED\nSCHEDULED: SCHEDULED\nRESCHEDULED: RESCHEDULED\nUNSCHEDULED: UNSCHEDULED\nSENDING: SENDING\nDELIVERED: DELIVERED\nFAILED: FAILED\nBOUNCED: BOUNCED\nSPAM_REPORTED: SPAM_REPORTED\nARCHIVED: ARCHIVED\nUNARCHIVED: UNARCHIVED\nRETRIED: RETRIED\nDELETED: DELETED\nVIEWED: VIEWED\nCLICKED: CLICKED\nREPLIED: REPLIED\nAUTO_REPLIED: AUTO_REPLIED\nDELIVERY_DELAYED: DELIVERY_DELAYED\nBOUNCE_REPORTED: BOUNCE_REPORTED\nUNSUBSCRIBED: UNSUBSCRIBED', enum_type=EmailEventKind, max_length=24),
        ),
        ops.AddField(
            model_name='EmailEvent',
            name='machine',
            field=fields.BooleanField(default=False),
        ),
        ops.AddIndex(
            model_name='EmailEvent',
            index=Index(fields=['team_id', 'owner_id', 'id']),
        ),
        ops.AddField(
            model_name='Person',
            name='unsubscribe_reason',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Person',
            name='unsubscribed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
