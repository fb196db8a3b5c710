from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from eduaid.org.models import County, OrgUnit, Township, Village


@pytest.mark.django_db
def test_migrate_loads_the_county_townships_and_villages() -> None:
    assert County.objects.get().name == "遂平县"
    assert Township.objects.count() == 18
    assert Village.objects.count() == 204
    wencheng = Township.objects.get(code="411728209")
    assert wencheng.name == "文城乡"
    assert Village.objects.get(code="411728209213").township == wencheng
    assert OrgUnit.objects.filter(kind="county").count() == 4


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "divisions.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_load_divisions_adds_another_county(tmp_path: Path, capsys: Any) -> None:
    path = _write(
        tmp_path,
        "code,name,level,parent_code\n411721,西平县,county,411700\n411721100,出山镇,township,411721\n"
        "411721100201,出山村,village,411721100\n",
    )
    call_command("load_divisions", str(path), "--county", "411721", "--json")
    assert '"townships": 1' in capsys.readouterr().out
    assert Village.objects.get(code="411721100201").township.county.name == "西平县"
    call_command("load_divisions", str(path), "--county", "411721")
    assert Township.objects.filter(code="411721100").count() == 1


@pytest.mark.django_db
def test_load_divisions_refuses_a_village_without_its_township(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "code,name,level,parent_code\n411721,西平县,county,411700\n411721100201,出山村,village,411721100\n",
    )
    with pytest.raises(CommandError) as info:
        call_command("load_divisions", str(path), "--county", "411721")
    assert info.value.returncode == 1
    assert not County.objects.filter(code="411721").exists()


@pytest.mark.django_db
def test_load_divisions_names_missing_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "code,name\n411721,西平县\n")
    with pytest.raises(CommandError, match="level"):
        call_command("load_divisions", str(path))
