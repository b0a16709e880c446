"""Executors that carry out a run's disposals in this invocation: for real, or as a prediction.

The fan-out executor, which hands them to the worker function instead, is in fanout/dispatch.py.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from disposer.codeartifact.client import CodeArtifact
from disposer.codeartifact.disposal import dispose_items, predict_items
from disposer.retention.plan import PackagePlan
from disposer.runs.report import RunReport


@dataclass(frozen=True)
class InlineExecutor:
    """Dispose every planned version now, `codeartifact.threads` packages at a time, pinned as planned.

    `measure` reads each version's asset bytes first (BytesReclaimed). `raise_first_refusal` raises a
    whole-call refusal that comes before any outcome (a missing package for POST /dispose) instead of
    reporting it per version.
    """

    codeartifact: CodeArtifact
    measure: bool = False
    raise_first_refusal: bool = False

    def apply(self, report: RunReport) -> bool:
        report.measured = self.measure
        packages = [package for package in report.plan.packages if package.disposals]
        if not packages:
            return True
        threads = self.codeartifact.threads
        # Packages are applied `threads` at a time; a package's sizes use the threads left over.
        measure_threads = max(1, threads // len(packages))

        def apply_package(package: PackagePlan) -> None:
            dispose_items(
                self.codeartifact,
                package.disposals,
                sink=report.record,
                measure=self.measure,
                measure_threads=measure_threads,
                raise_first_refusal=self.raise_first_refusal,
            )

        with ThreadPoolExecutor(max_workers=min(threads, len(packages)), thread_name_prefix="apply") as pool:
            # list() re-raises here anything a package raised.
            list(pool.map(apply_package, packages))
        return True


@dataclass(frozen=True)
class PredictingExecutor:
    """A dry run: predict each disposal from the package's listing, as CodeArtifact would judge it."""

    codeartifact: CodeArtifact

    def apply(self, report: RunReport) -> bool:
        report.predicted = True
        predict_items(self.codeartifact, report.plan.disposals, sink=report.record)
        return True
