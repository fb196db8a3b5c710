"""Load the configured county's townships and villages, and the county offices, on `eduaid migrate`."""

from django.conf import settings
from django.db import migrations

COUNTY_OFFICES = [
    "县教育局",
    "县学生资助管理中心",
    "县教育局领导班子",
    "县教育局督导室",
]


def load(apps, schema_editor):
    from eduaid.org import divisions

    rows = divisions.read_divisions(divisions.BUNDLED.read_text(encoding="utf-8"))
    county = settings.EDUAID_COUNTY
    if divisions.validate(rows, county):
        return  # another county: `eduaid load_divisions FILE` loads it
    divisions.apply(
        rows,
        county,
        County=apps.get_model("org", "County"),
        Township=apps.get_model("org", "Township"),
        Village=apps.get_model("org", "Village"),
    )
    OrgUnit = apps.get_model("org", "OrgUnit")
    for name in COUNTY_OFFICES:
        OrgUnit.objects.get_or_create(name=name, defaults={"kind": "county"})


def unload(apps, schema_editor):
    apps.get_model("org", "OrgUnit").objects.filter(kind="county", name__in=COUNTY_OFFICES).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
