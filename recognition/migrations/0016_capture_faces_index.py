"""An index for erasure's lookup of the captures that name a person, on PostgreSQL.

captures_forget_person asks for `result -> 'faces' @> '[{"person_id": N}]'`:
without an index that reads every capture's JSON (every kiosk attempt ever
kept). A GIN index on that expression (jsonb_path_ops: containment only)
answers it directly. SQLite has no such index; it scans, as before.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS recognition_capture_faces_gin ON recognition_capture "
            "USING gin ((result -> 'faces') jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS recognition_capture_faces_gin")


class Migration(migrations.Migration):
    dependencies = [("recognition", "0015_gallery_change_log")]

    operations = [migrations.RunPython(create, drop)]
