from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0008_saved_searches')]

    initial = False

    operations = [
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
        ops.AddConstraint(
            model_name='Email',
            constraint=CheckConstraint(check="status <> 'IN_PROGRESS' OR lease_expires_at IS NOT NULL", name='email_in_progress_has_lease'),
        ),
    ]
