from django.db import migrations

# the names are the portal's own words (msgids), shown translated (LeaveType.display_name)
BUILTIN = [
    ("annual", "Annual leave", True),
    ("sick", "Sick leave", True),
    ("personal", "Personal leave", False),
    ("business_trip", "Business trip", False),
    ("compensatory", "Compensatory time off", True),
]
FLOWS = [("missed_punch", "manager"), ("leave", "manager,hr"), ("overtime", "manager")]


def create(apps, schema_editor):
    LeaveType = apps.get_model("requests", "LeaveType")
    ApprovalFlow = apps.get_model("requests", "ApprovalFlow")
    for code, name, balance in BUILTIN:
        LeaveType.objects.get_or_create(code=code, defaults={"name": name, "has_balance": balance})
    for kind, flow in FLOWS:
        ApprovalFlow.objects.get_or_create(kind=kind, defaults={"flow": flow})


def remove(apps, schema_editor):
    apps.get_model("requests", "LeaveType").objects.filter(code__in=[b[0] for b in BUILTIN]).delete()
    apps.get_model("requests", "ApprovalFlow").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
