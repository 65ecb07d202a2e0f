# A placeholder, filled by the change it is named after.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("instances", "0009_webhooks")]
    operations: list[migrations.operations.base.Operation] = []
