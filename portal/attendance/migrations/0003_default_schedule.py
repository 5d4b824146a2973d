from django.db import migrations


def create_default(apps, schema_editor):
    Schedule = apps.get_model("attendance", "Schedule")
    if not Schedule.objects.filter(is_default=True).exists():
        Schedule.objects.create(
            name="Organization default",
            is_default=True,
            working_days=[1, 2, 3, 4, 5],
            start="09:00",
            end="17:00",
            grace_minutes=5,
            holidays=[],
        )


class Migration(migrations.Migration):
    dependencies = [("attendance", "0002_corrections_schedules_summaries")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
