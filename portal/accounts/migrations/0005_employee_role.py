from django.db import migrations

GROUPS = ["Employee"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_alter_preference_options_alter_preference_language_and_more")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
