"""What an alarm row says (infra/alarms.py holds the rows): the metric, how it is aggregated, the resource
it watches, and the runbook section the operator follows."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from disposer.constants import METRIC_DIMENSIONS_AGGREGATE, SERVICE_NAME

# The operator's runbook; each description points at its section.
RUNBOOK = "docs/monitoring.md"

Comparison = Literal[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]
MissingData = Literal["notBreaching", "breaching"]


class WatchedResource(StrEnum):
    """What an alarm's dimensions name."""

    SERVICE = "service"  # the service's own metrics: dimensions are literal
    FUNCTION = "function"  # AWS/Lambda, FunctionName (the run function)
    API_STAGE = "api-stage"  # AWS/ApiGateway, ApiName + Stage
    STATE_MACHINE = "state-machine"  # AWS/States, StateMachineArn (the run workflow's own executions)
    USAGE_QUEUE = "usage-queue"  # AWS/SQS, QueueName (the usage recorder's queue)
    USAGE_DEAD_LETTER_QUEUE = "usage-dead-letter-queue"  # AWS/SQS, QueueName (its dead-letter queue)


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: which metric, aggregated how, over which periods, and what the operator should do."""

    id: str
    metric_name: str
    namespace: str
    # Literal dimensions (service metrics), or None: those of `resource`, filled in by the construct.
    dimensions: Mapping[str, str] | None
    statistic: str
    threshold: float
    comparison: Comparison
    evaluation_periods: int
    description: str
    resource: WatchedResource = WatchedResource.SERVICE
    # Of the last `evaluation_periods` periods, how many must breach (None: all of them).
    datapoints_to_alarm: int | None = None
    period_minutes: int = 5
    # A period without data: for most alarms nothing happened (no run, no alarm); for a heartbeat, the silence
    # is what the alarm is about.
    missing_data: MissingData = "notBreaching"

    @property
    def runbook_anchor(self) -> str:
        """The section of docs/monitoring.md about this alarm (GitHub-style anchor of its heading)."""
        return f"{RUNBOOK}#{self.id.lower()}"


# The aggregate dimension set ([service]): any policy, any trigger (METRIC_DIMENSIONS_AGGREGATE).
AGGREGATE_DIMENSIONS: Mapping[str, str] = MappingProxyType(dict.fromkeys(METRIC_DIMENSIONS_AGGREGATE, SERVICE_NAME))

# ThrottlingException answers per 5 minutes above which throttling counts as sustained. The function
# paces every attempt to a share (half, by default) of CodeArtifact's per-account quotas
# (disposer/pacing.py), so its own load should not be throttled: throttles mean other clients of the
# same account and region (CI publishing, other tools) take the rest, or the quota is lower than
# documented. Each throttle is retried by botocore (standard mode, up to 5 attempts, backoff), so a
# few are harmless: a burst from another client rarely lasts a whole period. More than 10 (one every
# 30 s) in each of three consecutive periods is a quarter of an hour of contention: runs slow down,
# API calls near their 29 s budget, and versions whose retries run out are reported failed.
# A run publishes its throttles once, when it ends: "sustained" is seen across consecutive runs (API
# traffic, overlapping schedules). One long run throttled throughout makes a single datapoint,
# visible on the dashboard, in its run report's `throttles`, and as failed versions if retries ran out.
THROTTLES_PER_PERIOD = 10
