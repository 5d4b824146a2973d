"""Trigram indexes for the people search on PostgreSQL (SQLite scans, as before).

person_search looks for a piece of text anywhere in the search key
(`LIKE '%..%'`) and the employee ID (`UPPER(..) LIKE UPPER('%..%')`): a
B-tree cannot help; a trigram GIN index can, and turns a scan of every person
into an index lookup at 100,000 people and more.
"""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS people_person_search_key_trgm ON people_person USING gin (search_key gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS people_person_employee_id_trgm ON people_person "
    "USING gin ((UPPER(employee_id::text)) gin_trgm_ops)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS people_person_search_key_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS people_person_employee_id_trgm")


class Migration(migrations.Migration):
    dependencies = [("people", "0007_alter_department_options_alter_importjob_options_and_more")]

    operations = [migrations.RunPython(create, drop)]
