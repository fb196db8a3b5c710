from __future__ import annotations

import getpass
import json
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.accounts import services
from eduaid.accounts.models import User
from eduaid.accounts.roles import Role
from eduaid.org.models import OrgUnit, OrgUnitKind


class Command(BaseCommand):
    help = "Create the first system administrator (county_admin) of a new installation."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument("--unit", default="县教育局", help="name of a county office org unit")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(_("The login name %(name)s is taken.") % {"name": username}, returncode=2)
        unit = OrgUnit.objects.filter(kind=OrgUnitKind.COUNTY, name=options["unit"]).first()
        if unit is None:
            raise CommandError(
                _("No county office named %(name)s.") % {"name": options["unit"]}, returncode=2
            )
        if options["password_stdin"]:
            password = (options.get("stdin") or sys.stdin).readline().rstrip("\n")
        else:
            password = getpass.getpass(_("Password: "))
        try:
            user = services.user_create(
                actor=None,
                username=username,
                full_name=options["full_name"],
                role=Role.COUNTY_ADMIN,
                org_unit=unit,
                password=password,
                must_change_password=False,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=1) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"id": user.pk, "username": user.username}, ensure_ascii=False))
        else:
            self.stdout.write(_("Administrator %(name)s created.") % {"name": user.username})
