from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_campaigns')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Email',
            index=Index(fields=['team_id', 'sent_at', 'owner_id', 'status', 'campaign_id', 'template_id', 'view_count', 'click_count', 'reply_count', 'machine_view_count', 'machine_click_count']),
        ),
    ]
