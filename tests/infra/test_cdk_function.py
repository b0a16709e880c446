"""DisposerFunction (the run function, the API's): runtime, environment, tracing, log group, role."""

from typing import Any

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
    ENV_REPORTS_BUCKET,
    ENV_REPOSITORIES,
    ENV_STATE_MACHINE_ARN,
    ENV_SWITCH_PARAMETER,
    ENV_THREADS,
    LAMBDA_HANDLER,
    LAMBDA_MEMORY_MB,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from infra.permissions import WRITE_ACTIONS
from tests.infra.cdk_testkit import (
    as_list,
    flat,
    granted,
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
    # scope, the pacing (share 0.5 split max(planConcurrency 10, workerConcurrency 2) ways), the deployed
    # policies shipped in the asset, the run workflow, the reports bucket, the ledger and the kill switch
    # (test_cdk_workflow.py, test_cdk_reports.py, test_cdk_ledger.py and test_cdk_steps.py check where
    # the last four point)
    pointers = (ENV_STATE_MACHINE_ARN, ENV_REPORTS_BUCKET, ENV_LEDGER_TABLE, ENV_SWITCH_PARAMETER)
    assert {key: value for key, value in variables.items() if key not in pointers} == {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        ENV_DOMAIN: "acme",
        ENV_DOMAIN_OWNER: "111122223333",
        ENV_REPOSITORIES: "releases,snapshots",
        ENV_QUOTA_SHARE: "0.5",
        ENV_CONCURRENT_INVOCATIONS: "10",
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
    # GIVEN every log group of the stack (run function, steps function, API access logs, API execution
    # logs, the run workflow's execution logs)
    log_groups = template.find_resources("AWS::Logs::LogGroup")

    # WHEN / THEN none keeps logs forever: both audit trails a year, the others logRetentionDays
    assert sorted(log_group["Properties"].get("RetentionInDays") for log_group in log_groups.values()) == [
        30,
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

    # WHEN / THEN they are exactly the seven the adapter calls (a glob repository lists the domain's;
    # quarantine archives; keeping dependencies reads them); measureBytes, off by default, would add
    # ListPackageVersionAssets
    assert actions == {
        "codeartifact:DisposePackageVersions",
        "codeartifact:UpdatePackageVersionsStatus",
        "codeartifact:ListPackageVersions",
        "codeartifact:DescribePackageVersion",
        "codeartifact:ListPackageVersionDependencies",
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


# Actions with no resource-level permissions (Service Authorization Reference): X-Ray's, Step Functions' task
# answers, and the CloudWatch Logs delivery setup Step Functions makes for its execution logs.
NO_RESOURCE_TYPE = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def test_role_only_wildcard_resource_is_for_actions_without_resource_types(template: Template):
    # GIVEN / WHEN statements with Resource "*"
    wildcard = [s for s in policy_statements(template) if "*" in as_list(s["Resource"])]

    # THEN they are only for actions that support no resource-level permissions
    assert wildcard
    for statement in wildcard:
        assert set(as_list(statement["Action"])) <= NO_RESOURCE_TYPE, statement
    # AND the run function's are X-Ray's and the approval answers
    run = {
        a
        for s in role_statements(template, _function(template))
        if "*" in as_list(s["Resource"])
        for a in as_list(s["Action"])
    }
    assert run == {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "states:SendTaskSuccess",
        "states:SendTaskFailure",
    }


def test_function_role_has_no_managed_policies(template: Template):
    # GIVEN the roles Lambda assumes
    lambda_roles = [
        role["Properties"]
        for role in template.find_resources("AWS::IAM::Role").values()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "lambda.amazonaws.com"}
    ]

    # WHEN / THEN there are two (run function, steps function), each relying on inline least-privilege
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


def test_no_queue_and_no_async_invocation_config(template: Template):
    # GIVEN the run workflow, which runs every scheduled and PutEvents run (its Maps took the work queue's place)
    # WHEN the template is read
    resource_types = {resource["Type"] for resource in template.to_json()["Resources"].values()}

    # THEN no function is invoked asynchronously (no on-failure destination to configure), no SQS queue is
    # left, and no role may use one
    assert not {"AWS::Lambda::EventInvokeConfig", "AWS::SQS::Queue", "AWS::Lambda::EventSourceMapping"} & resource_types
    assert not granted(policy_statements(template), "sqs:")
    assert "DeadLetterConfig" not in _function(template)
