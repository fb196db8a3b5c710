"""The money ledger's hash chain, as pure functions over plain data.

Each entry's hash is the SHA-256 of a canonical serialisation of its sequence, kind, payload and the
previous entry's hash; the first entry follows `GENESIS`. Changing any stored value, removing an entry
or reordering entries breaks the chain at that entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text as is: the same data always gives the same string."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(*, sequence: int, kind: str, payload: dict[str, Any], prev_hash: str) -> str:
    body = canonical({"sequence": sequence, "kind": kind, "payload": payload, "prev_hash": prev_hash})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    sequence: int
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verdict:
    entries: int
    ok: bool
    broken_at: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"entries": self.entries, "ok": self.ok}
        if not self.ok:
            data["broken_at"] = self.broken_at
        return data


def verify(entries: Iterable[Entry]) -> Verdict:
    """Walk the entries in sequence order; `broken_at` is the first that does not follow from the one
    before (a changed value, a removed or an inserted entry). `entries` counts them all."""
    count, previous, expected = 0, GENESIS, 1
    broken: int | None = None
    for entry in entries:
        count += 1
        if broken is not None:
            continue
        recomputed = entry_hash(
            sequence=entry.sequence, kind=entry.kind, payload=entry.payload, prev_hash=entry.prev_hash
        )
        if entry.sequence != expected or entry.prev_hash != previous or entry.hash != recomputed:
            broken = entry.sequence
        previous, expected = entry.hash, expected + 1
    return Verdict(entries=count, ok=broken is None, broken_at=broken)
