from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from eduaid.accounts.models import User


@pytest.mark.django_db
def test_create_admin_makes_a_county_administrator() -> None:
    out = io.StringIO()
    call_command(
        "create_admin", "zhang", "--password-stdin", stdin=io.StringIO("Xitong-2024ab\n"), stdout=out
    )
    user = User.objects.get(username="zhang")
    assert user.role == "county_admin"
    assert user.org_unit is not None and user.org_unit.name == "县教育局"
    assert user.check_password("Xitong-2024ab")


@pytest.mark.django_db
def test_create_admin_refuses_a_weak_password() -> None:
    with pytest.raises(CommandError) as info:
        call_command("create_admin", "zhang", "--password-stdin", stdin=io.StringIO("12345\n"))
    assert info.value.returncode == 1
    assert not User.objects.filter(username="zhang").exists()
