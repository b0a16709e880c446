"""FanOut: the work queue and its DLQ, the run table, the worker and its event source, and both functions' wiring."""

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from infra.constants import (
    ENV_CONCURRENT_INVOCATIONS,
    ENV_MEASURE_BYTES,
    ENV_POLICIES_FILE,
    ENV_QUOTA_SHARE,
    ENV_RUN_TABLE,
    ENV_THREADS,
    ENV_WORK_QUEUE_URL,
    LAMBDA_HANDLER,
    WORKER_HANDLER,
)
from infra.stack import DisposerStack
from tests.iam import denied_by_resource_policy
from tests.infra.cdk_testkit import (
    granted,
    only_resource,
    resources_of,
    role_statements,
    run_function,
    worker_function,
)

PACKAGES = {
    "arn:<AWS::Partition>:codeartifact:<AWS::Region>:111122223333:package/acme/releases/*",
    "arn:<AWS::Partition>:codeartifact:<AWS::Region>:111122223333:package/acme/snapshots/*",
}
FOURTEEN_DAYS = 14 * 24 * 3600


def _logical_id(construct: Any) -> str:
    return cdk.Stack.of(construct).get_logical_id(construct.node.default_child)


def _fan_out(stack_and_app: tuple[cdk.App, DisposerStack]) -> tuple[DisposerStack, Any]:
    stack = stack_and_app[1]
    assert stack.fan_out is not None
    return stack, stack.fan_out


def _queue(template: Template, queue: sqs.IQueue) -> dict[str, Any]:
    properties: dict[str, Any] = template.to_json()["Resources"][_logical_id(queue)]["Properties"]
    return properties


def _queue_policy(template: Template, queue_id: str) -> list[dict[str, Any]]:
    for policy in resources_of(template, "AWS::SQS::QueuePolicy").values():
        if policy["Queues"] == [{"Ref": queue_id}]:
            statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
            return statements
    return []


def _denies_plain_http(template: Template, queue_id: str) -> bool:
    return any(
        statement["Effect"] == "Deny" and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for statement in _queue_policy(template, queue_id)
    )


def test_work_queue_encrypted_ssl_only_visibility_six_worker_timeouts_redrives_to_dlq(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the work queue, its DLQ and the worker
    _, fan_out = _fan_out(default_stack)
    queue = _queue(template, fan_out.queue)
    dlq_id = _logical_id(fan_out.dead_letter_queue)
    worker_timeout = worker_function(template)[1]["Timeout"]

    # WHEN / THEN SQS-managed SSE, TLS only, a visibility timeout of at least six worker timeouts (AWS's
    # advice for an SQS event source), and three receives before a message is parked in the DLQ
    assert queue["SqsManagedSseEnabled"] is True
    assert _denies_plain_http(template, _logical_id(fan_out.queue))
    assert queue["VisibilityTimeout"] >= 6 * worker_timeout
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}, "maxReceiveCount": 3}


def test_work_dlq_encrypted_ssl_only_kept_14_days(default_stack: tuple[cdk.App, DisposerStack], template: Template):
    # GIVEN the work queue's DLQ / WHEN its properties are read
    _, fan_out = _fan_out(default_stack)
    dlq = _queue(template, fan_out.dead_letter_queue)

    # THEN SQS-managed SSE, TLS only, SQS's maximum retention, and no DLQ of its own
    assert dlq["SqsManagedSseEnabled"] is True
    assert _denies_plain_http(template, _logical_id(fan_out.dead_letter_queue))
    assert dlq["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert "RedrivePolicy" not in dlq


def test_run_table_on_demand_pk_ttl_pitr_aws_owned_key_destroyed_with_stack(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the run table
    _, fan_out = _fan_out(default_stack)
    table = template.to_json()["Resources"][_logical_id(fan_out.table)]
    properties = table["Properties"]

    # WHEN / THEN on-demand, keyed by pk (string) alone, expired by expires_at, point-in-time recovery on
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    # AND encrypted with the AWS owned key (SSEEnabled false means exactly that), no customer key
    assert properties["SSESpecification"] == {"SSEEnabled": False}
    # AND deleted with the stack: coordination state only, the audit trail is in the retained log groups
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Delete"


def test_event_source_batch_10_partial_failures_max_concurrency_from_context(
    template: Template, tuned_template: Template
):
    # GIVEN the default stack (workerConcurrency 2) and the tuned one (workerConcurrency 5)
    for context_template, concurrency in ((template, 2), (tuned_template, 5)):
        # WHEN the only event source mapping is read
        mapping = only_resource(context_template, "AWS::Lambda::EventSourceMapping")[1]["Properties"]
        worker_id = worker_function(context_template)[0]
        (queue_id,) = [
            logical_id
            for logical_id, queue in resources_of(context_template, "AWS::SQS::Queue").items()
            if "RedrivePolicy" in queue
        ]

        # THEN the worker drains the work queue 10 messages at a time, reports failed messages alone,
        # and runs at most workerConcurrency at once
        assert mapping["FunctionName"] == {"Ref": worker_id}
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
        assert mapping["BatchSize"] == 10
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": concurrency}


def test_worker_same_asset_and_settings_own_handler_no_reservation(template: Template):
    # GIVEN both functions
    _, run = run_function(template)
    _, worker = worker_function(template)

    # WHEN / THEN the worker is the same code and sizing with its own handler
    assert (run["Handler"], worker["Handler"]) == (LAMBDA_HANDLER, WORKER_HANDLER)
    assert worker["Handler"] == "disposer.worker.lambda_handler"
    assert worker["Code"] == run["Code"]
    for key in ("Runtime", "Architectures", "MemorySize", "TracingConfig"):
        assert worker[key] == run[key], key
    assert worker["Timeout"] == 900
    assert worker["LoggingConfig"]["LogFormat"] == "JSON"
    # AND only the event source's maximum concurrency caps it (no reservation taken from the account)
    assert "ReservedConcurrentExecutions" not in worker


def test_worker_log_group_own_audit_retention_retained(template: Template, variant_template: Template):
    # GIVEN the default stack and the variant (auditLogRetentionDays 2557)
    for context_template, days in ((template, 365), (variant_template, 2557)):
        # WHEN the worker's log group is read
        _, worker = worker_function(context_template)
        _, run = run_function(context_template)
        log_group_id = worker["LoggingConfig"]["LogGroup"]["Ref"]
        log_group = context_template.to_json()["Resources"][log_group_id]

        # THEN it is its own, kept like the run function's audit trail and retained on stack deletion
        assert log_group_id != run["LoggingConfig"]["LogGroup"]["Ref"]
        assert log_group["Properties"]["RetentionInDays"] == days
        assert log_group["DeletionPolicy"] == log_group["UpdateReplacePolicy"] == "Retain"


def test_environments_run_function_dispatches_worker_tallies_both_paced_alike(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN both functions' environments
    _, fan_out = _fan_out(default_stack)
    run = run_function(template)[1]["Environment"]["Variables"]
    worker = worker_function(template)[1]["Environment"]["Variables"]
    queue_ref = {"Ref": _logical_id(fan_out.queue)}
    table_ref = {"Ref": _logical_id(fan_out.table)}

    # WHEN / THEN the run function knows the queue and the table, the worker the table only
    assert (run[ENV_WORK_QUEUE_URL], run[ENV_RUN_TABLE]) == (queue_ref, table_ref)
    # (and both the ledger and the kill switch, test_cdk_ledger.py and test_cdk_safety.py)
    assert worker[ENV_RUN_TABLE] == table_ref
    assert ENV_WORK_QUEUE_URL not in worker
    # AND everything else is the same: scope, log level, pacing (share 0.5 over 2 workers + 1 run), the
    # ledger and the switch; only the run function runs policies, so only it is told where they are
    only_run = (ENV_WORK_QUEUE_URL, ENV_POLICIES_FILE)
    assert {key: value for key, value in run.items() if key not in only_run} == worker
    assert (worker[ENV_QUOTA_SHARE], worker[ENV_CONCURRENT_INVOCATIONS]) == ("0.5", "3")
    assert (worker[ENV_THREADS], worker[ENV_MEASURE_BYTES]) == ("8", "false")


def test_environments_tuned_context_reaches_both_functions(tuned_template: Template):
    # GIVEN workerConcurrency 5, quotaShare 0.25, threads 4, measureBytes true
    for _, function in (run_function(tuned_template), worker_function(tuned_template)):
        # WHEN / THEN each function paces itself to 1/6 of a quarter of each quota, 4 calls in flight
        variables = function["Environment"]["Variables"]
        assert variables[ENV_QUOTA_SHARE] == "0.25"
        assert variables[ENV_CONCURRENT_INVOCATIONS] == "6"
        assert variables[ENV_THREADS] == "4"
        assert variables[ENV_MEASURE_BYTES] == "true"


def test_worker_role_exactly_dispose_list_versions_tally_and_consume(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the worker role's statements
    _, fan_out = _fan_out(default_stack)
    statements = role_statements(template, worker_function(template)[1])
    table = f"<{_logical_id(fan_out.table)}.Arn>"
    queue = f"<{_logical_id(fan_out.queue)}.Arn>"

    # WHEN / THEN CodeArtifact: dispose, archive (quarantine) and list versions (a redelivered part counts
    # what an earlier attempt disposed), on the configured packages only; never a describe or a list of
    # packages or repositories (it applies a plan, it does not make one), nor assets (measureBytes is off)
    assert granted(statements, "codeartifact:") == {
        (action, arn)
        for action in (
            "codeartifact:DisposePackageVersions",
            "codeartifact:UpdatePackageVersionsStatus",
            "codeartifact:ListPackageVersions",
        )
        for arn in PACKAGES
    }
    # AND DynamoDB on the run table: reading its part, tallying it and claiming the report; it writes no
    # part of its own, and has no Scan, Query or DeleteItem there (the ledger: test_cdk_ledger.py)
    on_run_table = {grant for grant in granted(statements, "dynamodb:") if grant[1] == table}
    assert on_run_table == {("dynamodb:GetItem", table), ("dynamodb:UpdateItem", table)}
    # AND SQS: what the event source needs to receive and delete, on the work queue only; no send
    sqs_grants = granted(statements, "sqs:")
    assert {resource for _, resource in sqs_grants} == {queue}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} <= {a for a, _ in sqs_grants}
    assert "sqs:SendMessage" not in {action for action, _ in sqs_grants}
    # AND nothing else but its own logs and X-Ray
    prefixes = {action.split(":")[0] for statement in statements for action in _actions(statement)}
    assert prefixes == {"codeartifact", "dynamodb", "sqs", "ssm", "logs", "xray"}


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_worker_role_measure_bytes_true_lists_assets(tuned_template: Template):
    # GIVEN measureBytes true / WHEN the worker's CodeArtifact grants are read
    grants = granted(role_statements(tuned_template, worker_function(tuned_template)[1]), "codeartifact:")

    # THEN it may also list each version's assets before disposing it
    assert grants == {
        (action, arn)
        for action in (
            "codeartifact:DisposePackageVersions",
            "codeartifact:UpdatePackageVersionsStatus",
            "codeartifact:ListPackageVersions",
            "codeartifact:ListPackageVersionAssets",
        )
        for arn in PACKAGES
    }


def test_run_role_records_runs_writes_parts_and_recovers(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the run function's DynamoDB grants
    _, fan_out = _fan_out(default_stack)
    grants = granted(role_statements(template, run_function(template)[1]), "dynamodb:")

    # WHEN / THEN on the run table it records a dispatched run (a conditional PutItem), writes its parts
    # (BatchWriteItem) and, when SQS refuses work, cuts the run short and claims its report (UpdateItem);
    # it never reads it
    table = f"<{_logical_id(fan_out.table)}.Arn>"
    on_run_table = {(action, resource) for action, resource in grants if resource == table}
    assert on_run_table == {(f"dynamodb:{a}", table) for a in ("PutItem", "BatchWriteItem", "UpdateItem")}


def test_fan_out_false_no_queue_table_or_worker_run_function_alone(
    inline_stack: tuple[cdk.App, DisposerStack], inline_template: Template
):
    # GIVEN fanOut false
    stack = inline_stack[1]

    # WHEN the template is read
    functions = inline_template.find_resources("AWS::Lambda::Function")
    run = run_function(inline_template)[1]
    variables = run["Environment"]["Variables"]
    statements = role_statements(inline_template, run)

    # THEN there is no worker, work queue, DLQ or run table: the failed-runs queue is the only queue, and
    # the ledger the only table
    assert stack.fan_out is None
    assert len(functions) == 1
    assert list(inline_template.find_resources("AWS::DynamoDB::Table")) == [_logical_id(stack.ledger.table)]
    assert inline_template.find_resources("AWS::Lambda::EventSourceMapping") == {}
    assert list(resources_of(inline_template, "AWS::SQS::Queue")) == [_logical_id(stack.disposer.failed_runs_queue)]
    # AND the run function has neither the queue nor the table, so every run applies inline, paced as
    # the only invocation
    assert ENV_WORK_QUEUE_URL not in variables and ENV_RUN_TABLE not in variables
    assert variables[ENV_CONCURRENT_INVOCATIONS] == "1"
    assert {resource for _, resource in granted(statements, "dynamodb:")} == {
        f"<{_logical_id(stack.ledger.table)}.Arn>"
    }
    assert {action for action, _ in granted(statements, "sqs:")} == {
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }


def test_outputs_fan_out_resources_only_with_fan_out(template: Template, inline_template: Template):
    # GIVEN / WHEN the outputs of the default stack and of the one without fan-out are read
    fan_out_outputs = {"WorkQueueUrl", "WorkDeadLetterQueueUrl", "WorkerFunctionName", "WorkerLogGroup", "RunTableName"}

    # THEN the operator finds the queue, the DLQ, the worker, its log group and the table, when they exist
    assert fan_out_outputs <= set(template.to_json()["Outputs"])
    assert not fan_out_outputs & set(inline_template.to_json()["Outputs"])


def test_work_queue_refuses_messages_from_anyone_but_the_run_function(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the work queue's resource policy
    stack, fan_out = _fan_out(default_stack)
    run_role = _logical_id(stack.disposer.role)
    statements = _queue_policy(template, _logical_id(fan_out.queue))
    # THEN every principal but the run function's role is denied SendMessage (an explicit deny: no
    # identity policy in the account overrides it)
    (deny,) = [s for s in statements if s.get("Sid") == "OnlyTheRunFunctionSendsWork"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", {"AWS": "*"}, "sqs:SendMessage")
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": [run_role, "Arn"]}}}


def test_run_table_refuses_parts_and_tallies_from_anyone_but_the_functions(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the run table's resource policy
    stack, fan_out = _fan_out(default_stack)
    run_role = {"Fn::GetAtt": [_logical_id(stack.disposer.role), "Arn"]}
    worker_role = {"Fn::GetAtt": [_logical_id(fan_out.worker.role), "Arn"]}
    policy = resources_of(template, "AWS::DynamoDB::Table")[_logical_id(fan_out.table)]["ResourcePolicy"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    # THEN only the run function may put, write or delete items (parts), by any API, PartiQL included
    writes = statements["OnlyTheRunFunctionWritesParts"]
    assert writes["Effect"] == "Deny" and writes["Principal"] == {"AWS": "*"}
    assert {"dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLInsert"} <= set(writes["Action"])
    assert writes["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": run_role}}
    # AND only the two functions may update items (the tallies)
    updates = statements["OnlyTheFunctionsTally"]
    assert (updates["Effect"], updates["Action"]) == ("Deny", "dynamodb:UpdateItem")
    assert updates["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": [run_role, worker_role]}}


CONSUMING = ("ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "PurgeQueue")


def test_work_queue_lets_only_the_worker_take_work_and_only_the_run_function_send(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the work queue's and its DLQ's resource policies, evaluated as IAM does
    stack, fan_out = _fan_out(default_stack)
    run_role, worker_role = (
        f"resource:{_logical_id(stack.disposer.role)}",
        f"resource:{_logical_id(fan_out.worker.role)}",
    )
    operator = "arn:aws:iam::111122223333:role/PlatformOps"
    policy, queue, dlq = template.to_json(), _logical_id(fan_out.queue), _logical_id(fan_out.dead_letter_queue)
    # WHEN / THEN only the worker's role (as which the event source mapping polls) may receive, delete, hide
    # or purge a work message: an explicit deny to every other principal, the run function's role included
    (deny,) = [s for s in _queue_policy(template, queue) if s.get("Sid") == "OnlyTheWorkerTakesWork"]
    assert (deny["Effect"], deny["Principal"]) == ("Deny", {"AWS": "*"})
    assert set(deny["Action"]) == {f"sqs:{action}" for action in CONSUMING}
    for action in CONSUMING:
        assert not denied_by_resource_policy(policy, queue, f"sqs:{action}", worker_role), action
        assert denied_by_resource_policy(policy, queue, f"sqs:{action}", operator), action
        assert denied_by_resource_policy(policy, queue, f"sqs:{action}", run_role), action
    # AND the event source mapping's own read of the queue's attributes is not refused
    assert not denied_by_resource_policy(policy, queue, "sqs:GetQueueAttributes", worker_role)
    # AND only the run function's role may send, as before
    assert not denied_by_resource_policy(policy, queue, "sqs:SendMessage", run_role)
    assert denied_by_resource_policy(policy, queue, "sqs:SendMessage", worker_role)
    assert denied_by_resource_policy(policy, queue, "sqs:SendMessage", operator)
    # AND nobody purges the DLQ, while an operator still reads and deletes its messages one at a time
    assert denied_by_resource_policy(policy, dlq, "sqs:PurgeQueue", operator)
    assert not denied_by_resource_policy(policy, dlq, "sqs:ReceiveMessage", operator)
    assert not denied_by_resource_policy(policy, dlq, "sqs:DeleteMessage", operator)
