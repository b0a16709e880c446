"""DisposerFunction (the run function): runtime, environment, tracing, log group, role, failed runs."""

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from infra.constants import (
    DEPLOYED_POLICIES_FILE,
    ENV_CONCURRENT_INVOCATIONS,
    ENV_DOMAIN,
    ENV_DOMAIN_OWNER,
    ENV_LEDGER_TABLE,
    ENV_MEASURE_BYTES,
    ENV_PLAN_TTL_HOURS,
    ENV_POLICIES_FILE,
    ENV_QUOTA_SHARE,
    ENV_REPOSITORIES,
    ENV_RUN_TABLE,
    ENV_SWITCH_PARAMETER,
    ENV_THREADS,
    ENV_WORK_QUEUE_URL,
    LAMBDA_HANDLER,
    LAMBDA_MEMORY_MB,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from infra.permissions import WRITE_ACTIONS
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import (
    as_list,
    flat,
    granted,
    only_resource,
    policy_statements,
    role_statements,
    run_function,
)

ARN_PREFIX = "arn:<AWS::Partition>:codeartifact:<AWS::Region>:"


def _function(template: Template) -> dict[str, Any]:
    return run_function(template)[1]


def _codeartifact_resources(template: Template, action: str) -> set[str]:
    return {
        flat(resource)
        for statement in role_statements(template, _function(template))
        if action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def test_function_runtime_architecture_handler_match_settings(template: Template):
    # GIVEN the synthesized stack / WHEN the function is inspected
    function = _function(template)

    # THEN it runs the handler on Python 3.13 arm64 with the named sizing
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == LAMBDA_HANDLER == "disposer.handler.lambda_handler"
    assert function["MemorySize"] == LAMBDA_MEMORY_MB
    assert function["Timeout"] == 900


def test_function_environment_carries_config_and_powertools_names(template: Template):
    # GIVEN cdk.json's example config / WHEN the function environment is read
    variables = _function(template)["Environment"]["Variables"]

    # THEN it is exactly these variables, with the shared spellings from disposer/constants.py: the
    # scope, the pacing (share 0.5 split between the run function and 2 workers), the deployed policies
    # shipped in the asset, the fan-out, the ledger and the kill switch (test_cdk_fanout.py,
    # test_cdk_ledger.py and test_cdk_safety.py check where the last four point)
    pointers = (ENV_WORK_QUEUE_URL, ENV_RUN_TABLE, ENV_LEDGER_TABLE, ENV_SWITCH_PARAMETER)
    assert {key: value for key, value in variables.items() if key not in pointers} == {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        ENV_DOMAIN: "acme",
        ENV_DOMAIN_OWNER: "111122223333",
        ENV_REPOSITORIES: "releases,snapshots",
        ENV_QUOTA_SHARE: "0.5",
        ENV_CONCURRENT_INVOCATIONS: "3",
        ENV_THREADS: "8",
        ENV_MEASURE_BYTES: "false",
        ENV_POLICIES_FILE: DEPLOYED_POLICIES_FILE,
        ENV_PLAN_TTL_HOURS: "6",
    }
    assert set(pointers) <= set(variables)
    assert METRICS_NAMESPACE == "CodeArtifactDisposal"


def test_function_tracing_active_and_concurrency_reserved(template: Template):
    # GIVEN / WHEN
    function = _function(template)

    # THEN
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["ReservedConcurrentExecutions"] == 5


def test_function_reserved_concurrency_false_omits_reservation(variant_template: Template):
    # GIVEN reservedConcurrency false / WHEN / THEN no reservation is made
    assert "ReservedConcurrentExecutions" not in _function(variant_template)


def test_function_log_group_explicit_with_configured_retention(template: Template):
    # GIVEN / WHEN the function's logging config is read
    logging = _function(template)["LoggingConfig"]
    log_group_id = logging["LogGroup"]["Ref"]

    # THEN it names a log group of this stack, kept as the audit trail (a year, retained on stack
    # deletion), and JSON records
    log_group = template.to_json()["Resources"][log_group_id]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == 365
    assert log_group["DeletionPolicy"] == log_group["UpdateReplacePolicy"] == "Retain"
    assert logging["LogFormat"] == "JSON"
    assert logging["ApplicationLogLevel"] == "INFO"


def test_log_groups_all_have_retention(template: Template):
    # GIVEN every log group of the stack (run function, worker, API access logs, API execution logs)
    log_groups = template.find_resources("AWS::Logs::LogGroup")

    # WHEN / THEN none keeps logs forever: both audit trails a year, the API logs logRetentionDays
    assert sorted(log_group["Properties"].get("RetentionInDays") for log_group in log_groups.values()) == [
        30,
        30,
        365,
        365,
    ]


def test_role_codeartifact_write_actions_never_on_wildcard_resource(template: Template):
    # GIVEN every IAM statement in the stack
    for statement in policy_statements(template):
        actions = as_list(statement["Action"])
        codeartifact = [action for action in actions if action.startswith("codeartifact:")]
        if not codeartifact:
            continue
        resources = [flat(resource) for resource in as_list(statement["Resource"])]

        # WHEN a statement allows a CodeArtifact action
        # THEN its resources are the configured domain's ARNs, never "*"
        assert "*" not in resources
        assert not any(action.endswith("*") for action in codeartifact), codeartifact
        for resource in resources:
            assert resource.startswith(f"{ARN_PREFIX}111122223333:"), resource
            assert "acme" in resource


def test_role_each_configured_repository_has_package_and_repository_arn(template: Template):
    # GIVEN repositories releases and snapshots / WHEN the granted resources are collected
    packages = _codeartifact_resources(template, "codeartifact:DisposePackageVersions")
    repositories = _codeartifact_resources(template, "codeartifact:ListPackages")
    domains = _codeartifact_resources(template, "codeartifact:ListRepositoriesInDomain")

    # THEN each repository gets its package ARN (dispose) and repository ARN (list), nothing more
    assert packages == {
        f"{ARN_PREFIX}111122223333:package/acme/releases/*",
        f"{ARN_PREFIX}111122223333:package/acme/snapshots/*",
    }
    assert repositories == {
        f"{ARN_PREFIX}111122223333:repository/acme/releases",
        f"{ARN_PREFIX}111122223333:repository/acme/snapshots",
    }
    # The owner is the ARN's account field: domain/{domain}, as the CodeArtifact docs define it.
    assert domains == {f"{ARN_PREFIX}111122223333:domain/acme"}
    for action in ("ListPackageVersions", "DescribePackageVersion", "UpdatePackageVersionsStatus"):
        assert _codeartifact_resources(template, f"codeartifact:{action}") == packages
    assert WRITE_ACTIONS == ("codeartifact:DisposePackageVersions", "codeartifact:UpdatePackageVersionsStatus")


def test_role_codeartifact_actions_exactly_the_calls_the_code_makes(template: Template):
    # GIVEN every CodeArtifact action the run function's role allows
    actions = {action for action, _ in granted(role_statements(template, _function(template)), "codeartifact:")}

    # WHEN / THEN they are exactly the six the adapter calls (a glob repository lists the domain's;
    # quarantine archives); measureBytes, off by default, would add ListPackageVersionAssets
    assert actions == {
        "codeartifact:DisposePackageVersions",
        "codeartifact:UpdatePackageVersionsStatus",
        "codeartifact:ListPackageVersions",
        "codeartifact:DescribePackageVersion",
        "codeartifact:ListPackages",
        "codeartifact:ListRepositoriesInDomain",
    }


def test_role_measure_bytes_true_adds_list_package_version_assets(tuned_template: Template):
    # GIVEN measureBytes true (among other tuned keys)
    # WHEN the run function's environment and CodeArtifact actions are read
    function = _function(tuned_template)
    actions = {action for action, _ in granted(role_statements(tuned_template, function), "codeartifact:")}

    # THEN it measures the bytes it reclaims, so it may list assets
    assert function["Environment"]["Variables"][ENV_MEASURE_BYTES] == "true"
    assert "codeartifact:ListPackageVersionAssets" in actions
    assert "codeartifact:DisposePackageVersions" in actions


def test_role_only_wildcard_resource_is_xray_telemetry(template: Template):
    # GIVEN / WHEN statements with Resource "*"
    wildcard = [s for s in policy_statements(template) if "*" in as_list(s["Resource"])]

    # THEN they are only X-Ray's, which has no resource-level permissions
    assert wildcard
    for statement in wildcard:
        assert set(as_list(statement["Action"])) <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_function_role_has_no_managed_policies(template: Template):
    # GIVEN the roles Lambda assumes
    lambda_roles = [
        role["Properties"]
        for role in template.find_resources("AWS::IAM::Role").values()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "lambda.amazonaws.com"}
    ]

    # WHEN / THEN there are two (run function, worker), each relying on inline least-privilege
    # statements only
    assert len(lambda_roles) == 2
    assert all("ManagedPolicyArns" not in role for role in lambda_roles)


def test_function_domain_owner_omitted_defaults_to_deploying_account(variant_template: Template):
    # GIVEN no domainOwner in the context / WHEN the function and its role are read
    variables = _function(variant_template)["Environment"]["Variables"]
    packages = _codeartifact_resources(variant_template, "codeartifact:DisposePackageVersions")

    # THEN the deploying account stands in, resolved by CloudFormation
    assert variables[ENV_DOMAIN_OWNER] == {"Ref": "AWS::AccountId"}
    assert f"{ARN_PREFIX}<AWS::AccountId>:package/acme/releases/*" in packages


def test_role_repository_glob_maps_to_iam_wildcard(variant_template: Template):
    # GIVEN repositories ["releases", "snapshots-*"] / WHEN the granted resources are collected
    packages = _codeartifact_resources(variant_template, "codeartifact:DisposePackageVersions")
    repositories = _codeartifact_resources(variant_template, "codeartifact:ListPackages")
    variables = _function(variant_template)["Environment"]["Variables"]

    # THEN the glob is the IAM wildcard, still inside domain acme, and the handler gets the same glob
    assert f"{ARN_PREFIX}<AWS::AccountId>:package/acme/snapshots-*/*" in packages
    assert f"{ARN_PREFIX}<AWS::AccountId>:repository/acme/snapshots-*" in repositories
    assert variables[ENV_REPOSITORIES] == "releases,snapshots-*"


def _queue(template: Template, queue: sqs.IQueue) -> tuple[str, dict[str, Any]]:
    logical_id = cdk.Stack.of(queue).get_logical_id(queue.node.default_child)  # type: ignore[arg-type]
    properties: dict[str, Any] = template.to_json()["Resources"][logical_id]["Properties"]
    return logical_id, properties


def test_failed_runs_queue_encrypted_retained_14_days_ssl_only(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the failed-runs queue
    queue_id, queue = _queue(template, default_stack[1].disposer.failed_runs_queue)

    # WHEN / THEN SQS-managed SSE, SQS's maximum retention, and a policy denying plain HTTP
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    (queue_policy,) = [
        resource["Properties"]
        for resource in template.find_resources("AWS::SQS::QueuePolicy").values()
        if resource["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    (statement,) = queue_policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_function_async_failures_not_retried_go_to_failed_runs_queue(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the function's async invoke config (used by every EventBridge rule, manual and scheduled)
    queue_id, _ = _queue(template, default_stack[1].disposer.failed_runs_queue)
    function_id = run_function(template)[0]
    config = only_resource(template, "AWS::Lambda::EventInvokeConfig")[1]["Properties"]

    # WHEN / THEN a run that fails (aborted by its cap, say) is not repeated, since each schedule firing
    # is one run: it lands in the queue at once, as does one that waited more than 6 h
    assert config["FunctionName"] == {"Ref": function_id}
    assert config["MaximumRetryAttempts"] == 0
    assert config["MaximumEventAgeInSeconds"] == 6 * 3600
    assert config["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}}
    assert "DeadLetterConfig" not in _function(template)


def test_role_may_send_to_failed_runs_and_work_queues_only(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the run function's SQS grants
    stack = default_stack[1]
    assert stack.fan_out is not None
    failed_runs = f"<{_queue(template, stack.disposer.failed_runs_queue)[0]}.Arn>"
    work = f"<{_queue(template, stack.fan_out.queue)[0]}.Arn>"
    grants = granted(role_statements(template, _function(template)), "sqs:")

    # WHEN / THEN it may send to those two queues (the destination also reads the failed-runs queue's
    # attributes), and never receive or delete
    assert grants == {
        ("sqs:SendMessage", failed_runs),
        ("sqs:GetQueueAttributes", failed_runs),
        ("sqs:GetQueueUrl", failed_runs),
        ("sqs:SendMessage", work),
    }
