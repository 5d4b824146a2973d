"""One holiday calendar: the dates typed into the default schedule's holiday box become
days of the organization's calendar (CalendarDay), which schedules, the monthly summary
and the access levels all read; the box is emptied so nothing is counted twice."""

from django.db import migrations


def forward(apps, schema_editor):
    Schedule = apps.get_model("attendance", "Schedule")
    CalendarDay = apps.get_model("attendance", "CalendarDay")
    for default in Schedule.objects.filter(is_default=True):
        for day in default.holidays or []:
            # a day already in the calendar (imported, or a swapped working day) keeps its entry
            CalendarDay.objects.get_or_create(day=day, defaults={"kind": "holiday"})
        default.holidays = []
        default.save(update_fields=["holidays"])


class Migration(migrations.Migration):
    dependencies = [("attendance", "0009_camera_source_label")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
