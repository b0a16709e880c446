"""The usage recorder in the template: deployed only with a usageTrail, fed by its queue, granted exactly its
reads and writes.

The tuned deployment (conftest.TUNED_CONTEXT) names an SSE-KMS trail under a prefix with two ignored
principals; `minimal` adds only a bucket to cdk.json. Alarms, the dashboard and the outputs are in
test_cdk_usage_monitoring.py.
"""

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from disposer.constants import RECORDER_HANDLER
from disposer.ledger.holds import HOLDS_KEY
from disposer.ledger.table import package_key
from disposer.ledger.usage import COVERAGE_KEY, TRAIL_FILE_PREFIX, usage_key
from disposer.model.packages import PackageFormat, PackageRef
from disposer.settings import Settings
from infra.stack import DisposerStack
from tests.iam import denied_by_resource_policy
from tests.infra.cdk_testkit import (
    TUNED_TRAIL_KEY_ARN,
    TUNED_USAGE_TRAIL,
    as_list,
    flat,
    function_with_handler,
    logical_id,
    resources_of,
    role_statements,
    run_function,
    synth_stack,
)

MINIMAL_TRAIL = {"bucket": "acme-trail"}
TRAIL_BUCKET = TUNED_USAGE_TRAIL["bucket"]
# What a usage trail adds to the stack, by resource type (its five alarms besides).
USAGE_TYPES = {
    "AWS::SQS::Queue": 2,
    "AWS::SQS::QueuePolicy": 2,
    "AWS::Events::Rule": 1,
    "AWS::Lambda::Function": 1,
    "AWS::Lambda::EventSourceMapping": 1,
    "AWS::IAM::Role": 1,
    "AWS::IAM::Policy": 1,
    "AWS::Logs::LogGroup": 1,
    "AWS::CloudWatch::Alarm": 5,
}


@pytest.fixture(scope="module")
def minimal() -> tuple[cdk.App, DisposerStack]:
    return synth_stack({"usageTrail": MINIMAL_TRAIL})


def _template(stack: tuple[cdk.App, DisposerStack]) -> dict[str, Any]:
    template = dict(Template.from_stack(stack[1]).to_json())
    return template


def _recorder(template: Template) -> tuple[str, dict[str, Any]]:
    return function_with_handler(template, RECORDER_HANDLER)


def _usage(stack: DisposerStack) -> Any:
    assert stack.usage is not None
    return stack.usage


def test_usage_trail_absent_deploys_nothing_of_the_recorder(
    default_stack: tuple[cdk.App, DisposerStack], template: Template, minimal: tuple[cdk.App, DisposerStack]
):
    # GIVEN cdk.json without usageTrail, and the same with only a trail's bucket
    without, with_trail = template.to_json()["Resources"], _template(minimal)["Resources"]

    # WHEN / THEN without it there is no recorder, queue or usage alarm
    assert default_stack[1].usage is None
    assert not [r for r in without.values() if r["Type"].startswith("AWS::SQS::")]
    assert not resources_of(template, "AWS::Lambda::EventSourceMapping")
    assert RECORDER_HANDLER not in {f["Handler"] for f in resources_of(template, "AWS::Lambda::Function").values()}
    assert not [name for name in template.to_json()["Outputs"] if "Usage" in name or "Recorder" in name]
    # AND the trail adds exactly the recorder's resources and alarms, and takes nothing away
    assert set(without) <= set(with_trail)
    added: dict[str, int] = {}
    for name in set(with_trail) - set(without):
        added[with_trail[name]["Type"]] = added.get(with_trail[name]["Type"], 0) + 1
    assert added == USAGE_TYPES


def test_usage_queue_encrypted_tls_only_with_a_dead_letter_queue(
    tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template
):
    # GIVEN the tuned deployment's queues and the recorder's timeout
    usage = _usage(tuned_stack[1])
    resources = tuned_template.to_json()["Resources"]
    queue, dead = resources[logical_id(usage.queue)], resources[logical_id(usage.dead_letter_queue)]
    timeout = _recorder(tuned_template)[1]["Timeout"]

    # WHEN / THEN both are encrypted at rest and keep messages 14 days
    for properties in (queue["Properties"], dead["Properties"]):
        assert properties["SqsManagedSseEnabled"] is True
        assert properties["MessageRetentionPeriod"] == 14 * 24 * 3600
    # AND a message is handed out again only after six of the recorder's timeouts, and dead after five receives
    assert timeout == 300
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * timeout
    assert queue["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [logical_id(usage.dead_letter_queue), "Arn"]},
        "maxReceiveCount": 5,
    }
    # AND each refuses every request without TLS
    for queue_id in (logical_id(usage.queue), logical_id(usage.dead_letter_queue)):
        (deny,) = [s for s in _queue_policy(tuned_template, queue_id) if s["Effect"] == "Deny"]
        assert (deny["Principal"], deny["Action"]) == ({"AWS": "*"}, "sqs:*")
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def _queue_policy(template: Template, queue_id: str) -> list[dict[str, Any]]:
    (policy,) = [
        p for p in resources_of(template, "AWS::SQS::QueuePolicy").values() if p["Queues"] == [{"Ref": queue_id}]
    ]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return statements


@pytest.mark.parametrize(
    ("stack_fixture", "bucket", "prefix"), [("tuned_stack", TRAIL_BUCKET, "org/"), ("minimal", "acme-trail", "")]
)
def test_usage_rule_sends_the_trails_new_objects_under_its_prefix_to_the_queue(
    stack_fixture: str, bucket: str, prefix: str, request: pytest.FixtureRequest
):
    # GIVEN a deployment with a trail (under prefix "org", or none)
    stack = request.getfixturevalue(stack_fixture)
    usage = _usage(stack[1])
    rule = _template(stack)["Resources"][logical_id(usage.rule)]["Properties"]

    # WHEN / THEN a rule on the default bus matches S3's Object Created events of the trail's objects only
    assert "EventBusName" not in rule
    assert rule["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": f"{prefix}AWSLogs/"}]}},
    }
    # AND sends them to the queue, what it cannot deliver to the dead-letter queue
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [logical_id(usage.queue), "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [logical_id(usage.dead_letter_queue), "Arn"]}}
    assert "InputTransformer" not in target and "Input" not in target


def test_usage_queue_policy_admits_the_rule_and_the_trail_buckets_notifications_only(
    tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template
):
    # GIVEN the queue's policy
    usage = _usage(tuned_stack[1])
    queue_id = logical_id(usage.queue)
    allows = [s for s in _queue_policy(tuned_template, queue_id) if s["Effect"] == "Allow"]

    # WHEN / THEN S3 may send for the trail's bucket, in this account, and EventBridge for the rule; nobody else
    by_service = {statement["Principal"]["Service"]: statement for statement in allows}
    assert sorted(by_service) == ["events.amazonaws.com", "s3.amazonaws.com"]
    s3 = by_service["s3.amazonaws.com"]
    assert (s3["Action"], s3["Resource"]) == ("sqs:SendMessage", {"Fn::GetAtt": [queue_id, "Arn"]})
    assert flat(s3["Condition"]["ArnEquals"]["aws:SourceArn"]) == f"arn:<AWS::Partition>:s3:::{TRAIL_BUCKET}"
    assert s3["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    events = by_service["events.amazonaws.com"]
    assert "sqs:SendMessage" in as_list(events["Action"])
    assert events["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [logical_id(usage.rule), "Arn"]}}}


def test_recorder_function_shaped_like_the_others_with_its_own_sizing_and_logs(
    tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template
):
    # GIVEN the recorder and the run function
    stack = tuned_stack[1]
    _, recorder = _recorder(tuned_template)
    _, run = run_function(tuned_template)
    log_group = tuned_template.to_json()["Resources"][logical_id(_usage(stack).recorder.log_group)]

    # WHEN / THEN the same asset, runtime, architecture and tracing; 512 MB and 5 minutes
    for key in ("Code", "Runtime", "Architectures", "TracingConfig"):
        assert recorder[key] == run[key], key
    assert (recorder["MemorySize"], recorder["Timeout"]) == (512, 300)
    assert recorder.get("ReservedConcurrentExecutions") is None
    # AND its own log group, encrypted with the log key, kept logRetentionDays (not an audit trail)
    assert recorder["LoggingConfig"]["LogGroup"] == {"Ref": logical_id(_usage(stack).recorder.log_group)}
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [logical_id(stack.log_encryption.key), "Arn"]}
    assert log_group["DeletionPolicy"] == "Delete"


@pytest.mark.parametrize("stack_fixture", ["tuned_stack", "minimal"])
def test_recorder_environment_read_by_the_settings_as_configured(
    stack_fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
):
    # GIVEN the recorder's environment as the template sets it
    stack = request.getfixturevalue(stack_fixture)
    template = Template.from_stack(stack[1])
    variables = _recorder(template)[1]["Environment"]["Variables"]
    trail = stack[1].config.usage_trail

    # WHEN the function's settings read it
    assert variables["DISPOSER_LEDGER_TABLE"] == {"Ref": logical_id(stack[1].ledger.table)}
    for name, value in variables.items():
        if isinstance(value, str):
            monkeypatch.setenv(name, value)
    settings = Settings.from_environment()

    # THEN they name the trail's bucket, its prefix before AWSLogs/ and the ignored principals, and the scope
    assert settings.usage_bucket == trail.bucket
    assert settings.usage_prefix == trail.prefix
    assert settings.usage_ignore_principals == trail.ignore_principals
    assert (settings.domain, settings.domain_owner) == ("acme", "111122223333")
    if stack_fixture == "tuned_stack":
        assert (settings.usage_prefix, len(settings.usage_ignore_principals)) == ("org/", 2)
    else:
        assert "DISPOSER_USAGE_PREFIX" not in variables and "DISPOSER_USAGE_IGNORE_PRINCIPALS" not in variables


def _grants(template: Template) -> set[tuple[str, str, str]]:
    """(action, resource, condition) of every Allow statement of the recorder's role, references written <Name>."""
    return {
        (action, flat(resource), flat(statement.get("Condition")))
        for statement in role_statements(template, _recorder(template)[1])
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def _expected_grants(stack: DisposerStack, *, key_arn: str | None, objects: str) -> set[tuple[str, str, str]]:
    usage = _usage(stack)
    queue = f"<{logical_id(usage.queue)}.Arn>"
    table = f"<{logical_id(stack.ledger.table)}.Arn>"
    partitions = flat({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["usage#*", "coverage", "trailfile#*"]}})
    expected = {
        ("logs:CreateLogStream", f"<{logical_id(usage.recorder.log_group)}.Arn>", ""),
        ("logs:PutLogEvents", f"<{logical_id(usage.recorder.log_group)}.Arn>", ""),
        ("xray:PutTraceSegments", "*", ""),
        ("xray:PutTelemetryRecords", "*", ""),
        *{
            (f"sqs:{action}", queue, "")
            for action in (
                "ReceiveMessage",
                "DeleteMessage",
                "ChangeMessageVisibility",
                "GetQueueAttributes",
                "GetQueueUrl",
            )
        },
        ("s3:GetObject", objects, ""),
        # A backfill's reads of event history: LookupEvents has no resource-level permission.
        ("cloudtrail:LookupEvents", "*", ""),
        ("dynamodb:UpdateItem", table, partitions),
        ("dynamodb:PutItem", table, partitions),
    }
    if key_arn:
        via_s3 = flat(
            {"StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}}
        )
        expected.add(("kms:Decrypt", key_arn, via_s3))
    return expected


def test_recorder_role_grants_exactly_its_reads_and_writes(
    tuned_stack: tuple[cdk.App, DisposerStack],
    tuned_template: Template,
    minimal: tuple[cdk.App, DisposerStack],
):
    # GIVEN the recorder's role in the tuned deployment (prefix, KMS key) and the minimal one (neither)
    # WHEN its statements are read / THEN it logs, traces, consumes its queue, reads the trail's objects only
    # (and decrypts them through S3 with the trail's key, if it has one) and the account's event history, and puts
    # and updates ledger items in its partitions only: nothing of CodeArtifact, no other bucket, no delete, no read
    # of the ledger
    assert _grants(tuned_template) == _expected_grants(
        tuned_stack[1], key_arn=TUNED_TRAIL_KEY_ARN, objects=f"arn:<AWS::Partition>:s3:::{TRAIL_BUCKET}/org/AWSLogs/*"
    )
    assert _grants(Template.from_stack(minimal[1])) == _expected_grants(
        minimal[1], key_arn=None, objects="arn:<AWS::Partition>:s3:::acme-trail/AWSLogs/*"
    )


def _string_like(value: str, pattern: str) -> bool:
    """IAM's StringLike: `*` any run of characters, `?` one, everything else literal, case-sensitive."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _leading_keys_allow(template: Template, partition: str) -> bool:
    """Whether the recorder's ledger statement allows a write whose partition key is `partition` (one item: the
    request's LeadingKeys is that one value)."""
    (statement,) = [
        s for s in role_statements(template, _recorder(template)[1]) if "dynamodb:PutItem" in as_list(s["Action"])
    ]
    patterns = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    return all(any(_string_like(key, p) for p in patterns) for key in [partition])


def test_recorder_leading_keys_admit_the_partitions_it_writes_and_no_other(tuned_template: Template):
    # GIVEN the partitions the ledger's own key builders give for a download, the coverage and a trail file
    ref = PackageRef("acme", None, "releases", PackageFormat.NPM, "types", "node")
    download = usage_key(package_key(ref), "1.0.0")["pk"]["S"]
    trail_file = f"{TRAIL_FILE_PREFIX}org/AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/02/f.json.gz"

    # WHEN / THEN IAM allows the recorder's writes there
    for partition in (download, COVERAGE_KEY, trail_file):
        assert _leading_keys_allow(tuned_template, partition), partition
    # AND refuses them in the holds partition, a package's own (publish times, quarantine records) or any other
    for partition in (HOLDS_KEY, package_key(ref), "coverage2", "runs", "trailfile"):
        assert not _leading_keys_allow(tuned_template, partition), partition


def test_ledger_policy_lets_the_recorder_write(tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template):
    # GIVEN the ledger's resource policy, which denies item writes to all but the deployment's functions
    stack = tuned_stack[1]
    table_id = logical_id(stack.ledger.table)
    policy = tuned_template.to_json()
    recorder_role = f"resource:{logical_id(_usage(stack).recorder.role)}"

    # WHEN / THEN the recorder's role is among them: its puts and updates are not denied; a stranger's are
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem"):
        assert not denied_by_resource_policy(policy, table_id, action, recorder_role)
        assert denied_by_resource_policy(policy, table_id, action, "arn:aws:iam::111122223333:role/PlatformOps")


def test_recorder_fed_by_its_queue_in_batches_reporting_item_failures(
    tuned_stack: tuple[cdk.App, DisposerStack], tuned_template: Template
):
    # GIVEN / WHEN the event source mapping is read
    usage = _usage(tuned_stack[1])
    (mapping,) = resources_of(tuned_template, "AWS::Lambda::EventSourceMapping").values()

    # THEN the recorder takes the queue's messages ten at a time, at most five invocations at once, and answers
    # which ones failed (partial batch responses), so one bad file is retried alone
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [logical_id(usage.queue), "Arn"]}
    assert mapping["FunctionName"] == {"Ref": logical_id(usage.recorder.function)}
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
