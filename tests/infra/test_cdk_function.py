"""DisposerFunction: runtime, environment, tracing, log group and the least-privilege role."""

from typing import Any

from aws_cdk.assertions import Template

from infra.permissions import WRITE_ACTIONS
from infra.settings import (
    ENV_DOMAIN,
    ENV_DOMAIN_OWNER,
    ENV_REPOSITORIES,
    LAMBDA_HANDLER,
    LAMBDA_MEMORY_MB,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from tests.infra.cdk_testkit import as_list, flat, only_resource, policy_statements

ARN_PREFIX = "arn:<AWS::Partition>:codeartifact:<AWS::Region>:"


def _function(template: Template) -> dict[str, Any]:
    properties: dict[str, Any] = only_resource(template, "AWS::Lambda::Function")[1]["Properties"]
    return properties


def _codeartifact_resources(template: Template, action: str) -> set[str]:
    return {
        flat(resource)
        for statement in policy_statements(template)
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

    # THEN it is exactly the six variables, with the shared spellings from disposer/constants.py
    assert variables == {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        ENV_DOMAIN: "acme",
        ENV_DOMAIN_OWNER: "111122223333",
        ENV_REPOSITORIES: "releases,snapshots",
    }
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
    # GIVEN every log group of the stack (function, API access logs, API execution logs)
    log_groups = template.find_resources("AWS::Logs::LogGroup")

    # WHEN / THEN none keeps logs forever: the audit trail a year, the API logs logRetentionDays
    assert sorted(log_group["Properties"].get("RetentionInDays") for log_group in log_groups.values()) == [
        30,
        30,
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
    for action in ("ListPackageVersions", "DescribePackageVersion"):
        assert _codeartifact_resources(template, f"codeartifact:{action}") == packages
    assert WRITE_ACTIONS == ("codeartifact:DisposePackageVersions",)


def test_role_codeartifact_actions_exactly_the_calls_the_code_makes(template: Template):
    # GIVEN every CodeArtifact action the role allows
    actions = {
        action
        for statement in policy_statements(template)
        for action in as_list(statement["Action"])
        if action.startswith("codeartifact:")
    }

    # WHEN / THEN they are exactly the five the gateway calls (a glob repository lists the domain's)
    assert actions == {
        "codeartifact:DisposePackageVersions",
        "codeartifact:ListPackageVersions",
        "codeartifact:DescribePackageVersion",
        "codeartifact:ListPackages",
        "codeartifact:ListRepositoriesInDomain",
    }


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

    # WHEN / THEN there is one, and it relies on inline least-privilege statements only
    assert len(lambda_roles) == 1
    assert "ManagedPolicyArns" not in lambda_roles[0]


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


def _queue(template: Template) -> tuple[str, dict[str, Any]]:
    logical_id, queue = only_resource(template, "AWS::SQS::Queue")
    return logical_id, queue["Properties"]


def test_failed_runs_queue_encrypted_retained_14_days_ssl_only(template: Template):
    # GIVEN the stack's only queue
    queue_id, queue = _queue(template)

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


def test_function_async_failures_go_to_failed_runs_queue(template: Template):
    # GIVEN the function's async invoke config (used by every EventBridge rule, manual and scheduled)
    queue_id, _ = _queue(template)
    function_id = only_resource(template, "AWS::Lambda::Function")[0]
    config = only_resource(template, "AWS::Lambda::EventInvokeConfig")[1]["Properties"]

    # WHEN / THEN a run that still fails after one retry, or expires after 6 h, lands in the queue
    assert config["FunctionName"] == {"Ref": function_id}
    assert config["MaximumRetryAttempts"] == 1
    assert config["MaximumEventAgeInSeconds"] == 6 * 3600
    assert config["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}}
    assert "DeadLetterConfig" not in _function(template)


def test_role_may_send_to_failed_runs_queue_only(template: Template):
    # GIVEN the role's SQS statements
    queue_id, _ = _queue(template)
    sqs = [s for s in policy_statements(template) if any(a.startswith("sqs:") for a in as_list(s["Action"]))]

    # WHEN / THEN it may send to that queue and nothing else, no receive or delete
    (statement,) = sqs
    assert "sqs:SendMessage" in as_list(statement["Action"])
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage"} & set(as_list(statement["Action"]))
    assert as_list(statement["Resource"]) == [{"Fn::GetAtt": [queue_id, "Arn"]}]
