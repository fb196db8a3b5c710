"""The 2023 plan ships as the only policy version, in force from 2023-2024-1, open-ended."""

from typing import Any

from django.db import migrations

from eduaid.aid import policy2023


def load(apps: Any, schema_editor: Any) -> None:
    version_model = apps.get_model("aid", "PolicyVersion")
    item_model = apps.get_model("aid", "PolicyItem")
    version = version_model.objects.create(name=policy2023.NAME, first_term=policy2023.FIRST_TERM)
    for position, (code, name, kind, paid_by, one_time, rules) in enumerate(policy2023.ITEMS):
        item_model.objects.create(
            version=version,
            code=code,
            name=name,
            kind=kind,
            paid_by=paid_by,
            one_time=one_time,
            rules=rules,
            position=position,
        )


def unload(apps: Any, schema_editor: Any) -> None:
    apps.get_model("aid", "PolicyVersion").objects.filter(first_term=policy2023.FIRST_TERM).delete()


class Migration(migrations.Migration):
    dependencies = [("aid", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
