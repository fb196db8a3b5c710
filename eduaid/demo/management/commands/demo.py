"""`eduaid demo`: migrate, seed a synthetic 遂平县, collect static files, print the logins, serve."""

from __future__ import annotations

import datetime as dt
import json
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.commands.runserver import naiveip_re
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.demo import seed
from eduaid.demo.models import DemoSeed
from eduaid.uploads.worker import start_worker, stop_worker

DEFAULT_ADDR = "127.0.0.1:8000"
WILDCARD_HOSTS = {"0.0.0.0", "[::]"}  # noqa: S104 (binding every interface is the LAN demo)


@dataclass(frozen=True)
class Addr:
    host: str  # as written; an IPv6 address keeps its brackets, as Host headers carry it
    port: str

    @property
    def addrport(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def everywhere(self) -> bool:
        return self.host in WILDCARD_HOSTS

    @property
    def url(self) -> str:
        return f"http://{'127.0.0.1' if self.everywhere else self.host}:{self.port}/"

    @property
    def allowed_hosts(self) -> list[str]:
        # Bound to every interface, visitors come by whatever address the LAN gives this computer.
        return ["*"] if self.everywhere else [self.host]


def parse_addr(text: str) -> Addr:
    """HOST:PORT or PORT, as runserver reads it; HOST defaults to 127.0.0.1."""
    match = naiveip_re.match(text.strip())
    if not match:
        raise CommandError(
            _("“%(addr)s” is not an address; write HOST:PORT, for example 127.0.0.1:8000.") % {"addr": text},
            returncode=2,
        )
    return Addr(match["addr"] or "127.0.0.1", match["port"])


def demo_today() -> tuple[dt.date, bool]:
    """The day the demo runs on, and whether it came from EDUAID_TODAY rather than the demo's default."""
    configured = getattr(settings, "EDUAID_TODAY", None)
    return (configured, True) if configured else (seed.DEMO_TODAY, False)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in [header, *rows]
    ]


class Command(BaseCommand):
    help = "Set up a synthetic Suiping county with one demo login per role, and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default=DEFAULT_ADDR, help=_("address to serve on, HOST:PORT"))
        parser.add_argument("--no-serve", action="store_true", help=_("set up only, do not serve"))
        parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
        parser.add_argument(
            "--students",
            type=int,
            default=seed.DEFAULT_STUDENTS,
            help=_("how many synthetic students to enrol (default 20000)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        addr = parse_addr(options["addr"])
        # Refuse someone's database before migrating it, and again (authoritatively) in the seed.
        try:
            if seed.database_state() == seed.FOREIGN:
                raise seed.refusal()
            call_command("migrate", interactive=False, verbosity=0)
            marker, created = seed.ensure_seeded(students=options["students"])
        except seed.DemoRefused as exc:
            raise CommandError(str(exc), returncode=2) from exc
        call_command("collectstatic", interactive=False, verbosity=0)
        today, from_env = demo_today()
        serving = not options["no_serve"]
        if options["json"]:
            self.stdout.write(
                json.dumps(self.summary(marker, created, today, addr, serving), ensure_ascii=False)
            )
        else:
            self.report(marker, created, today, from_env, addr, serving)
        if serving:
            self.serve(addr, today)

    def summary(
        self, marker: DemoSeed, created: bool, today: dt.date, addr: Addr, serving: bool
    ) -> dict[str, Any]:
        return {
            "created": created,
            "seed_version": marker.version,
            "seeded_at": marker.seeded_at.isoformat(),
            "counts": marker.counts,
            "today": today.isoformat(),
            "url": addr.url if serving else None,
            "logins": seed.login_rows(),
        }

    def report(
        self, marker: DemoSeed, created: bool, today: dt.date, from_env: bool, addr: Addr, serving: bool
    ) -> None:
        out = self.stdout.write
        counts = marker.counts
        if created:
            out(
                _("Set up the demo county: %(schools)s schools, %(classes)s classes, %(logins)s logins.")
                % counts
            )
        else:
            seeded_on = timezone.localdate(marker.seeded_at).isoformat()
            out(
                _("This database was set up by the demo on %(date)s; nothing was changed.")
                % {"date": seeded_on}
            )
        if from_env:
            out(_("Demo date: %(date)s (from EDUAID_TODAY)") % {"date": today.isoformat()})
        else:
            out(
                _("Demo date: %(date)s (spring term of the 2023-2024 school year)")
                % {"date": today.isoformat()}
            )
        out(_("Demo logins, all with the password %(password)s:") % {"password": seed.DEMO_PASSWORD})
        rows = [[r["role"], r["username"], r["password"], r["unit"]] for r in seed.login_rows()]
        for line in table([_("Role"), _("Username"), _("Password"), _("Unit")], rows):
            out("  " + line)
        if not serving:
            out(_("Not serving (--no-serve). Run “eduaid demo” again to serve the demo."))
            return
        out(_("Address: %(url)s") % {"url": addr.url})
        if addr.everywhere:
            out(
                _(
                    "Listening on every interface: other computers can open this computer's "
                    "address, port %(port)s."
                )
                % {"port": addr.port}
            )

    def serve(self, addr: Addr, today: dt.date) -> None:
        """Run the demo's clock and serve, with a background worker; WhiteNoise serves the static files."""
        if not getattr(settings, "EDUAID_TODAY", None):
            settings.EDUAID_TODAY = today
            os.environ["EDUAID_TODAY"] = today.isoformat()
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, *addr.allowed_hosts]
        worker = start_worker()  # runs the uploaded imports, on this database and clock
        try:
            call_command("runserver", addr.addrport, use_reloader=False)
        finally:
            stop_worker(worker)
