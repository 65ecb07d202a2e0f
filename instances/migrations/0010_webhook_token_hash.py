# Webhook tokens are only ever checked, never sent again: keep their digest, not the token.
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from core.crypto import token_digest


def digest_tokens(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Reading the encrypted field decrypts it with FIELD_ENCRYPTION_KEYS.
    for name in ("Instance", "CreateOrder"):
        model = apps.get_model("instances", name)
        rows = list(model.objects.exclude(webhook_token="").only("pk", "webhook_token"))
        for row in rows:
            row.webhook_token_hash = token_digest(row.webhook_token)
        model.objects.bulk_update(rows, ["webhook_token_hash"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("instances", "0009_webhooks")]
    operations = [
        migrations.AddField(
            model_name="instance",
            name="webhook_token_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="createorder",
            name="webhook_token_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        # Going back cannot recover the tokens: those instances then rely on polling.
        migrations.RunPython(digest_tokens, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="instance", name="webhook_token"),
        migrations.RemoveField(model_name="createorder", name="webhook_token"),
    ]
