from django.db import migrations, models

# On PostgreSQL every insert and update of an entry stamps it with its transaction's id, so a process
# holding the open entries reads only the rows changed since (portal/review/open_faces.py). A trigger,
# not the services: a write from any path (a bulk insert, a future service) cannot be missed.
FUNCTION = """
CREATE OR REPLACE FUNCTION review_unknownface_changed() RETURNS trigger AS $$
BEGIN
    NEW.changed := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""
TRIGGER = """
CREATE TRIGGER review_unknownface_changed BEFORE INSERT OR UPDATE ON review_unknownface
    FOR EACH ROW EXECUTE FUNCTION review_unknownface_changed()
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(TRIGGER, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS review_unknownface_changed ON review_unknownface")
        schema_editor.execute("DROP FUNCTION IF EXISTS review_unknownface_changed()")


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="unknownface",
            name="changed",
            field=models.BigIntegerField(db_index=True, default=0, editable=False),
        ),
        migrations.RunPython(create, drop),
    ]
