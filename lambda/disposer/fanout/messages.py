"""Fan-out of a planned run's disposals over SQS, and the run's tally in a DynamoDB table.

A scheduled run plans inline (reads only: O(pages + log n) calls per package), checks
maxDisposalsPerRun against the whole plan, then - when a work queue is configured - sends each
package's pinned disposals as messages; the worker function applies them in batches, SQS and Lambda
doing the distribution. The run table holds one item per run (what to expect, running totals) and one
marker per finished message, so a message delivered twice is tallied once, and exactly one worker -
the one that finishes the last message - writes the run's report and metrics.
"""

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from disposer.codeartifact.types import PackageFormat, PackageRef, PackageVersionStatus
from disposer.observability.audit import Trigger
from disposer.retention.engine import Action, PackagePlan, PlanItem, Rule

# Versions per message: 400 worst-case items (255-character versions, revisions, reasons) stay well
# under SQS's 256 KiB message limit.
MAX_ITEMS_PER_MESSAGE = 400


class WorkItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    revision: str
    status: PackageVersionStatus
    reason: str
    rule: Rule


class ApplyWork(BaseModel):
    """One SQS message: part of one package's planned disposals, pinned to what the plan saw."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    part: int
    policy: str
    trigger: Trigger
    caller: str | None
    as_of: datetime
    domain: str
    domain_owner: str | None
    repository: str
    format: PackageFormat
    namespace: str | None
    package: str
    items: tuple[WorkItem, ...]

    @property
    def ref(self) -> PackageRef:
        return PackageRef(self.domain, self.domain_owner, self.repository, self.format, self.namespace, self.package)

    def package_plan(self) -> PackagePlan:
        ref = self.ref
        return PackagePlan(
            ref=ref,
            items=tuple(
                PlanItem(
                    repository=ref.repository,
                    format=ref.format,
                    namespace=ref.namespace,
                    package=ref.package,
                    version=item.version,
                    revision=item.revision,
                    status=item.status,
                    action=Action.DISPOSE,
                    reason=item.reason,
                    rule=item.rule,
                )
                for item in self.items
            ),
        )


def work_messages(
    *, run_id: str, policy: str, trigger: Trigger, caller: str | None, as_of: datetime, packages: Sequence[PackagePlan]
) -> list[ApplyWork]:
    """Each package's disposals as messages of at most MAX_ITEMS_PER_MESSAGE versions, numbered."""
    messages: list[ApplyWork] = []
    for package in packages:
        disposals = [item for item in package.disposals if item.revision is not None]
        for start in range(0, len(disposals), MAX_ITEMS_PER_MESSAGE):
            ref = package.ref
            messages.append(
                ApplyWork(
                    run_id=run_id,
                    part=len(messages),
                    policy=policy,
                    trigger=trigger,
                    caller=caller,
                    as_of=as_of,
                    domain=ref.domain,
                    domain_owner=ref.domain_owner,
                    repository=ref.repository,
                    format=ref.format,
                    namespace=ref.namespace,
                    package=ref.package,
                    items=tuple(
                        WorkItem(
                            version=item.version,
                            revision=item.revision or "",
                            status=item.status,
                            reason=item.reason,
                            rule=item.rule,
                        )
                        for item in disposals[start : start + MAX_ITEMS_PER_MESSAGE]
                    ),
                )
            )
    return messages
