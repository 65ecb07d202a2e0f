# A placeholder, filled by the change it is named after.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("instances", "0010_webhook_token_hash")]
    operations: list[migrations.operations.base.Operation] = []
