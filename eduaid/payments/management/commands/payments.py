"""`eduaid payments batch --term T [--out FILE.xlsx|.csv] [--user U] [--json]`: build a payment batch
from the term's payable entitlements and write its bank file; `eduaid payments bankfile --batch NUMBER
--out FILE`: write the bank file of an existing batch again.

Exit status 0, or 2 on misuse (an unknown term or batch, nothing to pay, a user who may not build
batches, a file that is neither .xlsx nor .csv). The bank file carries full ID and account numbers:
every file written is audited like a download.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from eduaid.aid.pricing import yuan
from eduaid.core.dbstate import DataCommand
from eduaid.core.importing import command_actor
from eduaid.payments import bankfile
from eduaid.payments.models import PaymentBatch
from eduaid.payments.services_batches import bank_file_downloaded, batch_build
from eduaid.registry.models import Term
from eduaid.review.services import TransitionRefused

SUFFIXES = {".xlsx", ".csv"}


class Command(DataCommand):
    help = (
        "Payment batches: `batch` builds one from a term's payable entitlements; `bankfile` writes one again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        build = actions.add_parser("batch", help="build a batch and write its bank file")
        build.add_argument("--term", required=True)
        build.add_argument("--out", type=Path, default=None, help="the bank file, .xlsx or .csv")
        build.add_argument("--user", default=None)
        build.add_argument("--json", action="store_true")
        again = actions.add_parser("bankfile", help="write the bank file of a batch")
        again.add_argument("--batch", required=True, help="the batch number, e.g. 2023-2024-2-001")
        again.add_argument("--out", type=Path, required=True)
        again.add_argument("--user", default=None)
        again.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path | None = options["out"]
        if out is not None and out.suffix.lower() not in SUFFIXES:
            raise CommandError(_("The output file must end in .csv or .xlsx."), returncode=2)
        actor = command_actor(options["user"])
        batch = self._build(options["term"], actor) if options["action"] == "batch" else None
        if batch is None:
            batch = PaymentBatch.objects.filter(number=options["batch"]).first()
            if batch is None:
                raise CommandError(
                    _("No payment batch %(number)s.") % {"number": options["batch"]}, returncode=2
                )
        path = out or Path(bankfile.filename(batch))
        try:
            rows = bankfile.write(batch, path)
            bank_file_downloaded(batch=batch, actor=actor)
        except PermissionDenied as exc:
            path.unlink(missing_ok=True)
            raise CommandError(_("This user may not write bank files."), returncode=2) from exc
        summary = {
            "term": batch.term.code,
            "batch": batch.number,
            "lines": batch.line_count,
            "total_fen": batch.total_fen,
            "total": yuan(batch.total_fen),
            "file": str(path),
            "file_rows": rows,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        if options["action"] == "batch":
            self.stdout.write(
                _("Batch %(batch)s of term %(term)s: %(lines)s lines, %(total)s yuan.") % summary
            )
        self.stdout.write(_("Bank file written: %(file)s (%(file_rows)s rows).") % summary)

    def _build(self, code: str, actor: Any) -> PaymentBatch:
        term = Term.objects.filter(code=code).first()
        if term is None:
            raise CommandError(_("Unknown term: %(term)s") % {"term": code}, returncode=2)
        try:
            batch = batch_build(term=term, actor=actor)
        except PermissionDenied as exc:
            raise CommandError(_("Only the aid centre builds payment batches."), returncode=2) from exc
        except TransitionRefused as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if batch is None:
            raise CommandError(
                _(
                    "Nothing to pay on term %(term)s: no approved county cash with a bank account and "
                    "no open account flag."
                )
                % {"term": code},
                returncode=2,
            )
        return batch
