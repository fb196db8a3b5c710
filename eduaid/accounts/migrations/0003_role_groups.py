"""One auth group per role (DESIGN §1)."""

from django.db import migrations

ROLES = [
    "county_admin",
    "aid_center",
    "leader",
    "inspector",
    "township_officer",
    "school_officer",
    "teacher",
    "village_team",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
