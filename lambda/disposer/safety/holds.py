"""Holds: placing, listing and removing them (the API's routes and the CLI), and screening writes against them.

Every executor screens its items against the holds read just before it writes, so a hold placed
after the plan still wins (HELD, never sent). Which hold covers which version is the engine's
(retention/holds.py); the holds live in the ledger table.

Bounds: a deployment holds at most MAX_HOLDS holds and MAX_HOLDS_PER_PACKAGE on one package, counted
before a hold is placed, so every run's read of them and every package's matching stay cheap.
Only a hold's creator removes it (`remove`; an assumed role's sessions are one principal); anyone else
needs the override (`override`, a route a deployment grants separately), audited with both principals.
A ledger item that does not parse as a hold never stops a run: it is reported (an error audit record
and the UnreadableLedgerItems metric) and holds every version of the package it names, or, when no
package can be read from it, nothing; only the override removes it.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from disposer import clock
from disposer.errors import HoldNotFoundError, NotHoldOwnerError, PackageNotFoundError, TooManyHoldsError
from disposer.model.holds import Hold, UnreadableHold
from disposer.model.outcomes import OutcomeCode, OutcomeSink, VersionOutcome
from disposer.model.packages import PackageRef
from disposer.model.plans import PlanItem
from disposer.observability.audit import record_hold, record_unreadable_hold
from disposer.observability.run_metrics import count_unreadable_items
from disposer.ports import Ledger, PackageDirectory
from disposer.retention.holds import HoldMatcher, is_on_package, on_package

MAX_HOLDS = 10_000
MAX_HOLDS_PER_PACKAGE = 100
# DynamoDB's limit on a sort key: a longer id names no item.
MAX_HOLD_ID = 1000
HoldEntry = Hold | UnreadableHold

# arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: every session of one role is one principal.
_ASSUMED_ROLE = re.compile(r"^(arn:[\w-]+:sts::\d{12}:assumed-role/[^/]+)/[^/]+$")


def principal(arn: str | None) -> str | None:
    """Who an ARN is, for owning a hold: an assumed role's ARN without its session, any other ARN as is."""
    if arn is None:
        return None
    match = _ASSUMED_ROLE.fullmatch(arn)
    return arn if match is None else match[1]


def readable(entries: Iterable[HoldEntry]) -> list[Hold]:
    """The holds that entries hold: each unreadable one reported, and holding all of its package (if named)."""
    holds: list[Hold] = []
    unreadable = 0
    for entry in entries:
        if isinstance(entry, UnreadableHold):
            unreadable += 1
            record_unreadable_hold("unreadable hold", entry)
            as_hold = entry.as_hold()
            if as_hold is not None:
                holds.append(as_hold)
        else:
            holds.append(entry)
    if unreadable:
        count_unreadable_items(unreadable)
    return holds


def holds_in_force(ledger: Ledger, now: datetime) -> list[Hold]:
    """The holds a run honours at `now` (unreadable items reported, see `readable`)."""
    return readable(ledger.holds(now))


def screen(items: Sequence[PlanItem], holds: Iterable[Hold], now: datetime, *, sink: OutcomeSink) -> list[PlanItem]:
    """The items no active hold covers; each held one gets its HELD outcome here and is never sent."""
    by_package: dict[PackageRef, HoldMatcher] = {}
    every = tuple(holds)
    allowed = []
    for item in items:
        if item.ref not in by_package:
            by_package[item.ref] = HoldMatcher(on_package(every, item.ref, now))
        hold = by_package[item.ref].holding(item.version)
        if hold is None:
            allowed.append(item)
        else:
            sink(VersionOutcome.failure(item, OutcomeCode.HELD, f"not sent: {hold.reason_text}"))
    return allowed


def _listed(entry: HoldEntry, repository: str | None, package: str | None) -> bool:
    ref = entry.ref
    if ref is None:
        return repository is None and package is None
    return repository in (None, ref.repository) and package in (None, ref.package)


@dataclass(frozen=True)
class HoldBook:
    """The deployment's holds in its ledger: each change is an audit record naming who made it."""

    ledger: Ledger

    def place(self, hold: Hold, *, packages: PackageDirectory) -> Hold:
        """Place a hold on a package that exists, within the bounds (TooManyHoldsError, PackageNotFoundError)."""
        entries = self.ledger.holds(clock.now())
        readable(entries)  # every unreadable item met is reported
        if len(entries) >= MAX_HOLDS:
            raise TooManyHoldsError(
                f"the deployment has {len(entries)} holds, the most it may have ({MAX_HOLDS}): remove some first"
            )
        on_it = [e for e in entries if (ref := e.ref) is not None and is_on_package(hold, ref)]
        if len(on_it) >= MAX_HOLDS_PER_PACKAGE:
            raise TooManyHoldsError(
                f"{hold.ref.package} has {len(on_it)} holds, the most one package may have "
                f"({MAX_HOLDS_PER_PACKAGE}): hold several versions with one glob, or remove some first"
            )
        if not packages.package_exists(hold.ref):
            raise PackageNotFoundError(
                f"no package {hold.ref.package!r} in repository {hold.ref.repository!r} "
                f"({hold.ref.format}{'' if hold.ref.namespace is None else ', namespace ' + hold.ref.namespace})"
            )
        self.ledger.put_hold(hold)
        record_hold("hold placed", hold)
        return hold

    def page(
        self, *, limit: int, token: str | None, repository: str | None = None, package: str | None = None
    ) -> tuple[list[HoldEntry], str | None]:
        """One page of the holds in force (and unreadable items), optionally of one repository or package,
        and the token of the next page; a page may hold fewer than `limit` (expired or filtered out)."""
        entries, next_token = self.ledger.hold_page(clock.now(), limit=limit, token=token)
        readable(entries)  # every unreadable item met is reported
        return [entry for entry in entries if _listed(entry, repository, package)], next_token

    def remove(self, hold_id: str, *, removed_by: str | None) -> HoldEntry:
        """Remove one's own hold: HoldNotFoundError if there is none by that id, NotHoldOwnerError if the
        caller is not the principal that placed it (or it cannot be read)."""
        found = self.ledger.get_hold(hold_id) if len(hold_id) <= MAX_HOLD_ID else None
        if found is None:
            raise HoldNotFoundError(f"no hold {hold_id[:100]!r} (it may have expired or been removed)")
        if isinstance(found, UnreadableHold):
            raise NotHoldOwnerError(
                f"the hold {hold_id!r} cannot be read ({found.problem}): "
                "remove it with DELETE /holds/{holdId}/override"
            )
        if removed_by is None or principal(removed_by) != principal(found.created_by):
            raise NotHoldOwnerError(
                f"the hold {hold_id} was placed by {found.created_by}: only they remove it, anyone else needs "
                "DELETE /holds/{holdId}/override"
            )
        return self._removed(hold_id, removed_by=removed_by, override=False)

    def override(self, hold_id: str, *, removed_by: str | None) -> HoldEntry:
        """Remove any hold, or an item of the holds partition that does not parse (audited with both principals)."""
        return self._removed(hold_id, removed_by=removed_by, override=True)

    def _removed(self, hold_id: str, *, removed_by: str | None, override: bool) -> HoldEntry:
        removed = self.ledger.delete_hold(hold_id) if len(hold_id) <= MAX_HOLD_ID else None
        if removed is None:
            raise HoldNotFoundError(f"no hold {hold_id[:100]!r} (it may have expired or been removed)")
        if isinstance(removed, UnreadableHold):
            record_unreadable_hold("unreadable hold removed", removed, removed_by=removed_by or "unknown caller")
            return removed
        record_hold("hold removed", removed, removed_by=removed_by, override=override)
        return removed
