"""The usage recorder's alarms, rows of the same model as infra/alarms.py, deployed only with a `usageTrail`.

Two watch the recorder's queues (AWS/SQS, the queue named by `resource`), three the service's own
metrics under [service]: the recorder's heartbeat (one digest file an hour per region while the trail
delivers, so silence breaches), the files it could not read, and the runs that kept candidates because
the trail's coverage had a gap.
"""

from disposer.constants import (
    METRIC_DIGESTS_READ,
    METRIC_TRAIL_FILES_UNREADABLE,
    METRIC_USAGE_UNKNOWN,
    METRICS_NAMESPACE,
)
from infra.alarm_model import AGGREGATE_DIMENSIONS, AlarmSpec, WatchedResource

# A message older than this in the queue: the recorder is not keeping up, or not running.
QUEUE_AGE_SECONDS = 3600
# No digest read in this many consecutive hours: CloudTrail delivers one an hour per region, at varying minutes.
STALLED_HOURS = 3

USAGE_ALARMS: tuple[AlarmSpec, ...] = (
    AlarmSpec(
        id="UsageDeadLetters",
        metric_name="ApproximateNumberOfMessagesVisible",
        namespace="AWS/SQS",
        dimensions=None,
        resource=WatchedResource.USAGE_DEAD_LETTER_QUEUE,
        statistic="Maximum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "A trail file's notification is in the usage recorder's dead-letter queue: the recorder failed on it "
            "five times, or EventBridge could not deliver it to the queue. Its hour stays uncovered, so policies "
            "with keep.downloadedWithinDays keep every candidate whose window holds it. Read the message (aws sqs "
            "receive-message on stack output UsageDeadLetterQueueUrl) for the object key, and the recorder's log "
            "group (stack output RecorderLogGroup) for why. Once fixed, move the messages back: aws sqs "
            "start-message-move-task --source-arn <UsageDeadLetterQueueArn>."
        ),
    ),
    AlarmSpec(
        id="UsageQueueBacklog",
        metric_name="ApproximateAgeOfOldestMessage",
        namespace="AWS/SQS",
        dimensions=None,
        resource=WatchedResource.USAGE_QUEUE,
        statistic="Maximum",
        threshold=QUEUE_AGE_SECONDS,
        comparison="GreaterThanThreshold",
        evaluation_periods=1,
        description=(
            "A trail file has waited more than an hour in the usage recorder's queue (stack output UsageQueueUrl): "
            "the recorder is failing and retrying (see its errors on the dashboard and its log group, stack output "
            "RecorderLogGroup), throttled, or disabled (its event source mapping). Until the queue drains, recent "
            "hours stay uncovered and runs keep candidates as usage unknown."
        ),
    ),
    AlarmSpec(
        id="UsageRecorderStalled",
        metric_name=METRIC_DIGESTS_READ,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=1,
        comparison="LessThanThreshold",
        evaluation_periods=STALLED_HOURS,
        period_minutes=60,
        missing_data="breaching",
        description=(
            f"The usage recorder read no CloudTrail digest file in {STALLED_HOURS} hours, though the trail delivers "
            "one an hour per region. Check, in order: the trail logs (aws cloudtrail get-trail-status: IsLogging, "
            "LatestDeliveryError) with log file validation on; the bucket still sends EventBridge notifications "
            "(aws s3api get-bucket-notification-configuration shows EventBridgeConfiguration) or its S3 "
            "notification to the queue; the rule is enabled; the queue and dead-letter queue (UsageQueueBacklog, "
            "UsageDeadLetters). Uncovered hours make runs keep candidates as usage unknown, never dispose them."
        ),
    ),
    AlarmSpec(
        id="TrailFilesUnreadable",
        metric_name=METRIC_TRAIL_FILES_UNREADABLE,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "The usage recorder could not read a trail file: access denied (the bucket policy, or the key policy "
            "of an SSE-KMS trail, does not admit the recorder's role, stack output RecorderRoleArn; or usageTrail "
            "names no kmsKeyArn) or a file under AWSLogs/ that is not a gzipped CloudTrail file. The file is not "
            "counted as processed, so its hour stays uncovered. Its key and error are in the recorder's log group "
            "(stack output RecorderLogGroup)."
        ),
    ),
    AlarmSpec(
        id="UsageCoverageGap",
        metric_name=METRIC_USAGE_UNKNOWN,
        namespace=METRICS_NAMESPACE,
        dimensions=AGGREGATE_DIMENSIONS,
        statistic="Sum",
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        description=(
            "A run kept candidates as 'kept: usage unknown': some hour of its keep.downloadedWithinDays window is "
            "not covered by the trail (a digest, or a file it lists, not processed). Expected for the first N days "
            "after the recorder is deployed, until it has seen a whole window. Otherwise see UsageRecorderStalled, "
            "TrailFilesUnreadable and UsageDeadLetters for the cause; nothing was disposed on a guess."
        ),
    ),
)
