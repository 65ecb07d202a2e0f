"""The list page at any size: an index for each order, trigram search, counts kept by triggers.

- Each sort of the list (instances/models.py, the sort keys) gets an index that matches it
  exactly, so a page is an index range from its cursor; the old `instance_list_newest` never
  matched the query (nulls first in the index, nulls last in the query) and goes.
- On PostgreSQL, pg_trgm GIN indexes serve the search's `UPPER(name) LIKE` and `phone LIKE`.
- `InstanceCount` holds how many instances share each (reseller, state, messenger, deleted,
  expired); triggers on instances_instance keep it, so counts never scan the mirror and no
  Python writer has to remember them. PostgreSQL: statement triggers with transition tables,
  adding each key's change to a row no concurrent transaction holds (FOR UPDATE SKIP LOCKED),
  else to a new row, so writers never wait on each other and never deadlock here. SQLite (one
  writer at a time): row triggers keep one row per key.
"""

import datetime

import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

KEY = "reseller_key, state, type_instance, deleted, is_expired"
KEY_OF = "coalesce(reseller_id, 0), state, type_instance, deleted, is_expired"
BACKFILL = (
    f"INSERT INTO instances_instancecount ({KEY}, n) "
    f"SELECT {KEY_OF}, count(*) FROM instances_instance GROUP BY {KEY_OF}"
)

POSTGRESQL_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Exactly the expressions Django's icontains and contains lookups produce.
    "CREATE INDEX instance_name_trgm ON instances_instance "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX instance_phone_trgm ON instances_instance USING gin ((phone::text) gin_trgm_ops)",
    """
CREATE FUNCTION instances_count_add(
    k_reseller bigint, k_state text, k_type text, k_deleted boolean, k_expired boolean, delta bigint
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Any row of the key that no other transaction holds; never wait for one.
    UPDATE instances_instancecount SET n = n + delta WHERE id = (
        SELECT id FROM instances_instancecount
        WHERE reseller_key = k_reseller AND state = k_state AND type_instance = k_type
          AND deleted = k_deleted AND is_expired = k_expired
        LIMIT 1 FOR UPDATE SKIP LOCKED
    );
    IF NOT FOUND THEN
        INSERT INTO instances_instancecount (reseller_key, state, type_instance, deleted,
                                             is_expired, n)
        VALUES (k_reseller, k_state, k_type, k_deleted, k_expired, delta);
    END IF;
END $$""",
    """
CREATE FUNCTION instances_count_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change record;
BEGIN
    -- Each branch names only the transition tables its event has (plpgsql plans lazily).
    IF TG_OP = 'INSERT' THEN
        FOR change IN
            SELECT coalesce(reseller_id, 0) AS r, state AS s, type_instance AS t,
                   deleted AS d, is_expired AS e, count(*) AS delta
            FROM new_rows GROUP BY 1, 2, 3, 4, 5
        LOOP
            PERFORM instances_count_add(change.r, change.s, change.t, change.d, change.e,
                                        change.delta);
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR change IN
            SELECT coalesce(reseller_id, 0) AS r, state AS s, type_instance AS t,
                   deleted AS d, is_expired AS e, -count(*) AS delta
            FROM old_rows GROUP BY 1, 2, 3, 4, 5
        LOOP
            PERFORM instances_count_add(change.r, change.s, change.t, change.d, change.e,
                                        change.delta);
        END LOOP;
    ELSE
        -- An update that changes no key (most do) nets to nothing and writes nothing.
        FOR change IN
            SELECT r, s, t, d, e, sum(delta) AS delta FROM (
                SELECT coalesce(reseller_id, 0) AS r, state AS s, type_instance AS t,
                       deleted AS d, is_expired AS e, 1 AS delta FROM new_rows
                UNION ALL
                SELECT coalesce(reseller_id, 0), state, type_instance, deleted, is_expired, -1
                FROM old_rows
            ) AS changes
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
        LOOP
            PERFORM instances_count_add(change.r, change.s, change.t, change.d, change.e,
                                        change.delta);
        END LOOP;
    END IF;
    RETURN NULL;
END $$""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS instances_count_insert ON instances_instance",
    "DROP TRIGGER IF EXISTS instances_count_update ON instances_instance",
    "DROP TRIGGER IF EXISTS instances_count_delete ON instances_instance",
    "DROP FUNCTION IF EXISTS instances_count_changes()",
    "DROP FUNCTION IF EXISTS instances_count_add(bigint, text, text, boolean, boolean, bigint)",
    "DROP INDEX IF EXISTS instance_name_trgm",
    "DROP INDEX IF EXISTS instance_phone_trgm",
]

_SQLITE_MATCH = (
    "reseller_key = coalesce({r}.reseller_id, 0) AND state = {r}.state "
    "AND type_instance = {r}.type_instance AND deleted = {r}.deleted "
    "AND is_expired = {r}.is_expired"
)


def _sqlite_add(row: str, delta: int) -> str:
    match = _SQLITE_MATCH.format(r=row)
    return (
        f"UPDATE instances_instancecount SET n = n + ({delta}) WHERE {match}; "
        f"INSERT INTO instances_instancecount ({KEY}, n) "
        f"SELECT coalesce({row}.reseller_id, 0), {row}.state, {row}.type_instance, "
        f"{row}.deleted, {row}.is_expired, {delta} "
        f"WHERE NOT EXISTS (SELECT 1 FROM instances_instancecount WHERE {match});"
    )


SQLITE_UP = [
    "CREATE TRIGGER instances_count_insert AFTER INSERT ON instances_instance "
    f"BEGIN {_sqlite_add('NEW', 1)} END",
    "CREATE TRIGGER instances_count_delete AFTER DELETE ON instances_instance "
    f"BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER instances_count_update AFTER UPDATE OF "
    "reseller_id, state, type_instance, deleted, is_expired ON instances_instance "
    f"BEGIN {_sqlite_add('OLD', -1)} {_sqlite_add('NEW', 1)} END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS instances_count_insert",
    "DROP TRIGGER IF EXISTS instances_count_delete",
    "DROP TRIGGER IF EXISTS instances_count_update",
]


def _postgresql_triggers() -> list[str]:
    return [
        "CREATE TRIGGER instances_count_insert AFTER INSERT ON instances_instance "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION instances_count_changes()",
        "CREATE TRIGGER instances_count_update AFTER UPDATE ON instances_instance "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION instances_count_changes()",
        "CREATE TRIGGER instances_count_delete AFTER DELETE ON instances_instance "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION instances_count_changes()",
    ]


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [*POSTGRESQL_UP, *_postgresql_triggers()]
    elif vendor == "sqlite":
        statements = SQLITE_UP
    else:
        raise RuntimeError(f"instances 0012: no counting triggers for {vendor}")
    # Count what is there, in the same transaction as the triggers that keep it from now on.
    for statement in [*statements, BACKFILL]:
        schema_editor.execute(statement, params=None)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    down = POSTGRESQL_DOWN if vendor == "postgresql" else SQLITE_DOWN
    for statement in down:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("instances", "0011_sync_fingerprint")]
    operations = [
        migrations.CreateModel(
            name="InstanceCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reseller_key", models.BigIntegerField()),
                ("state", models.CharField(blank=True, max_length=32)),
                ("type_instance", models.CharField(max_length=16)),
                ("deleted", models.BooleanField()),
                ("is_expired", models.BooleanField()),
                ("n", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name="instance",
            name="instance_list_newest",
        ),
        migrations.AddIndex(
            model_name="instance",
            index=models.Index(
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce(
                        "time_created",
                        models.Value(
                            datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
                        ),
                    ),
                    descending=True,
                ),
                models.OrderBy(models.F("id_instance"), descending=True),
                name="instance_created_desc",
            ),
        ),
        migrations.AddIndex(
            model_name="instance",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "time_created",
                    models.Value(
                        datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.timezone.utc)
                    ),
                ),
                models.F("id_instance"),
                name="instance_created_asc",
            ),
        ),
        migrations.AddIndex(
            model_name="instance",
            index=models.Index(
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce(
                        "state_changed_at",
                        models.Value(
                            datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
                        ),
                    ),
                    descending=True,
                ),
                models.OrderBy(models.F("id_instance"), descending=True),
                name="instance_changed_desc",
            ),
        ),
        migrations.AddIndex(
            model_name="instance",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "state_changed_at",
                    models.Value(
                        datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.timezone.utc)
                    ),
                ),
                models.F("id_instance"),
                name="instance_changed_asc",
            ),
        ),
        migrations.AddIndex(
            model_name="instance",
            index=models.Index(
                django.db.models.functions.text.Lower("name"),
                models.F("id_instance"),
                name="instance_name_sort",
            ),
        ),
        migrations.AddIndex(
            model_name="instance",
            index=models.Index(
                models.Case(
                    models.When(state="creating", then=models.Value(0)),
                    models.When(state="blocked", then=models.Value(1)),
                    models.When(state="authorized", then=models.Value(2)),
                    models.When(state="notAuthorized", then=models.Value(3)),
                    models.When(state="sleepMode", then=models.Value(4)),
                    models.When(state="starting", then=models.Value(5)),
                    models.When(state="suspended", then=models.Value(6)),
                    models.When(state="", then=models.Value(7)),
                    models.When(state="pendingCode", then=models.Value(8)),
                    models.When(state="pendingPassword", then=models.Value(9)),
                    models.When(state="yellowCard", then=models.Value(10)),
                    default=models.Value(11),
                    output_field=models.IntegerField(),
                ),
                models.F("id_instance"),
                name="instance_state_sort",
            ),
        ),
        migrations.AddIndex(
            model_name="instance",
            index=models.Index(
                models.F("reseller"),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce(
                        "time_created",
                        models.Value(
                            datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
                        ),
                    ),
                    descending=True,
                ),
                models.OrderBy(models.F("id_instance"), descending=True),
                name="instance_reseller_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="instancecount",
            index=models.Index(fields=["reseller_key", "state"], name="instance_count_key"),
        ),
        migrations.RunPython(install, uninstall),
    ]
