"""Plan sources: a retention policy planned by discovery and the engine, or a plan made elsewhere."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from disposer import clock
from disposer.errors import DeadlineExceededError, LedgerRequiredError
from disposer.model.packages import PackageRef
from disposer.model.plans import PackagePlan, Plan, Rule
from disposer.model.runs import Listed, RunContext, RunProblem
from disposer.observability.audit import record_package_plan
from disposer.ports import CodeArtifact, Ledger
from disposer.retention.engine import PackageVersions, plan_package
from disposer.retention.policy import RetentionPolicy
from disposer.runs.discovery import discover
from disposer.runs.needed import NeededVersions
from disposer.runs.protocols import EarlyStart
from disposer.runs.usage import UsageReader
from disposer.safety.holds import holds_in_force


@dataclass
class PolicyPlanner:
    """Plan a retention policy: discover what it covers, then let the engine decide every version."""

    codeartifact: CodeArtifact
    policy: RetentionPolicy
    as_of: datetime
    in_scope: Callable[[str], bool]
    # The ledger: holds, quarantine records, publish times seen before (None: no holds, no quarantine,
    # every age described afresh).
    ledger: Ledger | None = None
    # The packages to plan, when someone listed them already (a workflow's shard); None: all the policy covers.
    refs: Sequence[PackageRef] | None = None
    errors: list[RunProblem] = field(default_factory=list)

    def plan(self, context: RunContext, early: EarlyStart | None = None) -> Plan:
        """Plan every package; each package's decisions go to the audit trail as soon as it is planned,
        then (if `early` began) its writes to `early`. A run that writes remembers in the ledger the
        quarantined versions it finds restored."""
        self._require_ledger()
        # With keep.dependencies a package's decisions are final only once every package is planned: nothing is
        # written before, and each package goes to the audit trail then.
        needs = NeededVersions(self.policy) if self.policy.keep.dependencies else None
        early = None if needs is not None else early
        # Safety times (a hold's expiry, a quarantine's grace, when a restore was seen) are the function's own
        # clock, never the run's decision clock, which a caller chooses (an event's time, --as-of).
        trusted = clock.now()
        usage = None
        if self.ledger is not None and self.policy.keep.downloaded_within_days is not None:
            usage = UsageReader.for_run(self.ledger, self.policy, self.as_of, trusted)
        holds = holds_in_force(self.ledger, trusted) if self.ledger is not None else []
        writes = _EarlyWrites(early)
        found = discover(
            self.codeartifact,
            self.policy,
            self.as_of,
            in_scope=self.in_scope,
            on_error=self.errors.append,
            ledger=self.ledger,
            holds=holds,
            on_listed=writes.listed,
            trusted_now=trusted,
            refs=self.refs,
            usage=usage,
        )
        packages: list[PackagePlan] = []
        for versions in self._within_budget(found):
            package = plan_package(versions, self.policy, self.as_of, trusted_now=trusted)
            packages.append(package)
            if needs is not None:
                needs.add(versions)
            else:
                record_package_plan(context, package)
            if not context.dry_run:
                self._remember_restores(versions, package, trusted)
            writes.planned(package)
        if needs is not None:
            packages = needs.kept(packages, self.errors)
            for package in packages:
                record_package_plan(context, package)
        # Packages are planned as their reads finish; the plan lists them in a stable order.
        packages.sort(key=lambda package: package.ref.sort_key)
        return Plan(policy=self.policy.name, as_of=self.as_of, packages=tuple(packages))

    def _require_ledger(self) -> None:
        """A quarantine's records and the downloads live in the ledger table: a policy with either needs one."""
        if self.ledger is not None:
            return
        needs = [
            what
            for what, present in (
                ("a quarantine, whose records", self.policy.quarantine is not None),
                ("keep.downloadedWithinDays, whose downloads", self.policy.keep.downloaded_within_days is not None),
            )
            if present
        ]
        if needs:
            raise LedgerRequiredError(
                f"policy {self.policy.name!r} has {needs[0]} live in the ledger table, and this deployment has "
                "none configured (DISPOSER_LEDGER_TABLE)"
            )

    def _remember_restores(self, versions: PackageVersions, package: PackagePlan, seen: datetime) -> None:
        """Versions found restored from quarantine for the first time: the policy keeps them from now on."""
        if self.ledger is None:
            return
        for item in package.items:
            record = versions.quarantine.get(item.version)
            if item.rule is Rule.KEEP_RESTORED and record is not None and record.restored_at is None:
                self.ledger.mark_restored(package.ref, self.policy.name, item.version, seen)

    def _within_budget(self, found: Iterable[PackageVersions]) -> Iterator[PackageVersions]:
        """The packages found, for as long as the budget lasts: planning stops with the time, as calls do."""
        budget = self.codeartifact.budget
        for package in found:
            if budget.exhausted:
                raise DeadlineExceededError(f"{budget.describe()} while planning")
            yield package


class _EarlyWrites:
    """A package's writes handed to `early` as soon as it is planned, once `early` began (when every package is
    listed); those planned before that wait for it."""

    def __init__(self, early: EarlyStart | None) -> None:
        self._early = early
        # None until every package is listed, then whether `early` began.
        self._started: bool | None = None if early is not None else False
        self._waiting: list[PackagePlan] = []

    def listed(self, bound: Listed) -> None:
        self._started = self._early is not None and self._early.begin(bound)
        for package in self._waiting if self._started else ():
            self._early.submit(package)  # type: ignore[union-attr]
        self._waiting.clear()

    def planned(self, package: PackagePlan) -> None:
        if package.changes and self._started:
            self._early.submit(package)  # type: ignore[union-attr]
        elif package.changes and self._started is None:
            self._waiting.append(package)


@dataclass(frozen=True)
class FixedPlan:
    """A plan made elsewhere: the versions a caller named, a workflow run's merged shards or one of its parts."""

    fixed: Plan
    errors: Sequence[RunProblem] = ()

    @property
    def as_of(self) -> datetime:
        return self.fixed.as_of

    def plan(self, context: RunContext, early: EarlyStart | None = None) -> Plan:
        return self.fixed
