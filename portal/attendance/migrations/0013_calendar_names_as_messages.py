import portal.core.fields
from django.db import migrations


def to_messages(apps, schema_editor):
    """Imported days' names become messages: a swapped working day's sentence (written in the
    importer's language, English or Chinese) its code, a holiday's name the package's name with
    where it came from; days entered by hand keep the words typed."""
    from datetime import date

    from django.utils import translation

    from portal.attendance import texts
    from portal.core.legacy_messages import SentenceReader
    from portal.core.messages import Message, message_date, message_fill

    CalendarDay = apps.get_model("attendance", "CalendarDay")
    swapped = [texts.WORKDAY_SWAPPED, texts.WORKDAY_SWAPPED_WITH]
    readers = [SentenceReader(swapped)]
    with translation.override("zh-hans"):
        readers.append(SentenceReader([Message(t.code, translation.gettext(t.template)) for t in swapped]))

    def workday(text):
        for reader in readers:
            message = reader.read(text)
            if isinstance(message, Message):
                if message.code == texts.WORKDAY_SWAPPED_WITH.code:
                    try:
                        return message_fill(
                            texts.WORKDAY_SWAPPED_WITH, day=message_date(date.fromisoformat(message.params["day"]))
                        )
                    except ValueError:
                        return message
                return message
        return None

    changed = []
    for row in CalendarDay.objects.exclude(country="").exclude(name="").only("pk", "day", "kind", "name", "country"):
        if isinstance(row.name, Message):
            continue
        if row.kind == "workday":
            new = workday(row.name)
        else:
            new = message_fill(texts.HOLIDAY, name=row.name, country=row.country, subdiv="", day=row.day.isoformat())
        if new is not None:
            row.name = new
            changed.append(row)
    CalendarDay.objects.bulk_update(changed, ["name"], batch_size=500)


def to_english(apps, schema_editor):
    from portal.core.legacy_messages import english_column

    english_column(apps.get_model("attendance", "CalendarDay"), "name")


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0012_summary_day_computed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="calendarday",
            name="name",
            field=portal.core.fields.MessageField(blank=True, max_length=200, verbose_name="name"),
        ),
        migrations.RunPython(to_messages, to_english),
    ]
