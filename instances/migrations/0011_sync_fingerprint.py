# The sync compares a digest of each getInstances item instead of decrypting every token.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("instances", "0010_webhook_token_hash")]
    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="instance",
            name="sync_fingerprint",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
    ]
