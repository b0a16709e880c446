"""Executors that carry out a run's disposals in this invocation: for real, or as a prediction.

The workflow's executors, which stage a plan in parts and apply one part, are in runs/staged.py.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from disposer import clock
from disposer.codeartifact.disposal import predict_items
from disposer.model.plans import PackagePlan
from disposer.model.runs import Listed
from disposer.ports import CodeArtifact, Ledger
from disposer.runs.guards import bounded_within_guards
from disposer.runs.report import RunReport
from disposer.runs.writes import Writer
from disposer.safety.holds import holds_in_force, screen


@dataclass(frozen=True)
class InlineExecutor:
    """Write every planned change now, `codeartifact.threads` packages at a time, pinned as planned.

    `measure` reads each version's asset bytes first (BytesReclaimed). `raise_first_refusal` raises a
    whole-call refusal that comes before any outcome (a missing package for POST /dispose) instead of
    reporting it per version. `ledger` holds the holds (read again before each package's writes) and
    takes the quarantine records.
    """

    codeartifact: CodeArtifact
    measure: bool = False
    raise_first_refusal: bool = False
    ledger: Ledger | None = None

    @property
    def writer(self) -> Writer:
        return Writer(self.codeartifact, self.ledger, self.measure, self.raise_first_refusal)

    def apply(self, report: RunReport) -> None:
        report.measured = self.measure
        packages = [package for package in report.plan.packages if package.changes]
        if not packages:
            return
        threads = self.codeartifact.threads
        # Packages are applied `threads` at a time; a package's sizes use the threads left over.
        measure_threads = max(1, threads // len(packages))
        with ThreadPoolExecutor(max_workers=min(threads, len(packages)), thread_name_prefix="apply") as pool:
            # list() re-raises here anything a package raised.
            list(pool.map(lambda package: self.apply_package(report, package, measure_threads), packages))

    def apply_package(self, report: RunReport, package: PackagePlan, measure_threads: int = 1) -> None:
        self.writer.write(report, package.changes, measure_threads=measure_threads)

    def early_start(self, report: RunReport) -> "InlineEarlyStart":
        return InlineEarlyStart(self, report)


@dataclass
class InlineEarlyStart:
    """The inline executor's early start: each package is disposed by a pool of its own as it is planned,
    alongside the discovery pool (the pacer keeps both within the quotas)."""

    executor: InlineExecutor
    report: RunReport
    _pool: ThreadPoolExecutor | None = None
    _submitted: list[Future[None]] = field(default_factory=list)
    _changes: int = 0

    def begin(self, listed: Listed) -> bool:
        if not bounded_within_guards(self.report, listed):
            return False
        switch = self.executor.codeartifact.switch
        if switch is not None and switch.why_off() is not None:
            # The whole plan comes first; the pipeline then reports the run stopped by the switch.
            return False
        self.report.applied = not self.report.context.dry_run
        self.report.measured = self.executor.measure
        self._pool = ThreadPoolExecutor(max_workers=self.executor.codeartifact.threads, thread_name_prefix="apply")
        return True

    def submit(self, package: PackagePlan) -> None:
        assert self._pool is not None, "submit() before begin() returned True"
        # The bound makes this impossible; should it ever be wrong, never write past the cap.
        cap = self.report.cap
        if cap is not None and self._changes + len(package.changes) > cap:
            return
        self._changes += len(package.changes)
        self._submitted.append(self._pool.submit(self.executor.apply_package, self.report, package))

    def finish(self) -> None:
        if self._pool is None:
            return
        self._pool.shutdown(wait=True)
        for future in self._submitted:
            future.result()


@dataclass(frozen=True)
class PredictingExecutor:
    """A dry run: predict each disposal from the package's listing, as CodeArtifact would judge it."""

    codeartifact: CodeArtifact
    # Holds: a held version is predicted HELD, as the real run would answer it.
    ledger: Ledger | None = None

    def apply(self, report: RunReport) -> None:
        report.predicted = True
        items = list(report.plan.changes)
        if self.ledger is not None:
            now = clock.now()
            items = screen(items, holds_in_force(self.ledger, now), now, sink=report.record)
        predict_items(self.codeartifact, items, sink=report.record)

    def early_start(self, report: RunReport) -> None:
        return None
