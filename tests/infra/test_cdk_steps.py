"""StepsFunction: the run workflow's tasks in one function of the shared asset; its role, environment and the
kill switch both functions read."""

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from disposer.constants import STEPS_HANDLER
from disposer.settings import ENV_APPLY_CONCURRENCY, ENV_PLAN_CONCURRENCY
from infra.constants import (
    ENV_CONCURRENT_INVOCATIONS,
    ENV_MEASURE_BYTES,
    ENV_QUOTA_SHARE,
    ENV_STATE_MACHINE_ARN,
    ENV_SWITCH_PARAMETER,
    ENV_THREADS,
    LAMBDA_HANDLER,
)
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import as_list, granted, logical_id, role_statements, run_function, steps_function

PACKAGES = {
    "arn:<AWS::Partition>:codeartifact:<AWS::Region>:111122223333:package/acme/releases/*",
    "arn:<AWS::Partition>:codeartifact:<AWS::Region>:111122223333:package/acme/snapshots/*",
}
REPOSITORIES = {
    "arn:<AWS::Partition>:codeartifact:<AWS::Region>:111122223333:repository/acme/releases",
    "arn:<AWS::Partition>:codeartifact:<AWS::Region>:111122223333:repository/acme/snapshots",
}
DOMAIN = "arn:<AWS::Partition>:codeartifact:<AWS::Region>:111122223333:domain/acme"
PACKAGE_ACTIONS = (
    "codeartifact:DisposePackageVersions",
    "codeartifact:UpdatePackageVersionsStatus",
    "codeartifact:ListPackageVersions",
    "codeartifact:DescribePackageVersion",
    "codeartifact:ListPackageVersionDependencies",
)


def test_steps_same_asset_and_settings_own_handler_no_reservation(template: Template):
    # GIVEN both functions
    _, run = run_function(template)
    _, steps = steps_function(template)

    # WHEN / THEN the steps function is the same code and sizing with its own handler, Lambda's maximum timeout
    assert (run["Handler"], steps["Handler"]) == (LAMBDA_HANDLER, STEPS_HANDLER)
    assert steps["Handler"] == "disposer.steps.lambda_handler"
    assert steps["Code"] == run["Code"]
    for key in ("Runtime", "Architectures", "MemorySize", "TracingConfig"):
        assert steps[key] == run[key], key
    assert steps["Timeout"] == 900
    assert steps["LoggingConfig"]["LogFormat"] == "JSON"
    # AND only the Maps' MaxConcurrency caps it (no reservation taken from the account)
    assert "ReservedConcurrentExecutions" not in steps


def test_steps_log_group_own_audit_retention_retained(template: Template, variant_template: Template):
    # GIVEN the default stack and the variant (auditLogRetentionDays 2557)
    for context_template, days in ((template, 365), (variant_template, 2557)):
        # WHEN the steps function's log group is read
        _, steps = steps_function(context_template)
        _, run = run_function(context_template)
        log_group_id = steps["LoggingConfig"]["LogGroup"]["Ref"]
        log_group = context_template.to_json()["Resources"][log_group_id]

        # THEN it is its own audit trail, kept like the run function's and retained on stack deletion
        assert log_group_id != run["LoggingConfig"]["LogGroup"]["Ref"]
        assert log_group["Properties"]["RetentionInDays"] == days
        assert log_group["DeletionPolicy"] == log_group["UpdateReplacePolicy"] == "Retain"


def test_environments_alike_but_only_the_api_knows_the_state_machine(template: Template):
    # GIVEN both functions' environments
    run = run_function(template)[1]["Environment"]["Variables"]
    steps = steps_function(template)[1]["Environment"]["Variables"]

    # WHEN / THEN they are the same, the policies, ledger, switch and reports bucket included, except that
    # only the run function (the API) is told the state machine it starts and steers (the steps function
    # cannot be: the machine's definition names the function, a cycle), and only the steps function each
    # Map's concurrency
    maps = {ENV_PLAN_CONCURRENCY, ENV_APPLY_CONCURRENCY}
    assert {key: value for key, value in run.items() if key != ENV_STATE_MACHINE_ARN} == {
        key: value for key, value in steps.items() if key not in maps
    }
    assert ENV_STATE_MACHINE_ARN in run
    # AND a shard paces itself to 1/planConcurrency (10) of half of each quota, a part to 1/workerConcurrency (2);
    # anything else of the function to 1/max of the two
    assert (steps[ENV_PLAN_CONCURRENCY], steps[ENV_APPLY_CONCURRENCY]) == ("10", "2")
    assert (steps[ENV_QUOTA_SHARE], steps[ENV_CONCURRENT_INVOCATIONS]) == ("0.5", "10")
    assert (steps[ENV_THREADS], steps[ENV_MEASURE_BYTES]) == ("8", "false")


def test_environments_tuned_context_reaches_both_functions(tuned_template: Template):
    # GIVEN planConcurrency 20, workerConcurrency 5, quotaShare 0.25, threads 4, measureBytes true
    for _, function in (run_function(tuned_template), steps_function(tuned_template)):
        # WHEN / THEN each invocation paces itself to 1/20 of a quarter of each quota, 4 calls in flight
        variables = function["Environment"]["Variables"]
        assert variables[ENV_QUOTA_SHARE] == "0.25"
        assert variables[ENV_CONCURRENT_INVOCATIONS] == "20"
        assert variables[ENV_THREADS] == "4"
        assert variables[ENV_MEASURE_BYTES] == "true"


def _actions(statement: dict[str, Any]) -> list[str]:
    return as_list(statement["Action"])


def test_steps_role_exactly_a_runs_calls(default_stack: tuple[cdk.App, DisposerStack], template: Template):
    # GIVEN the steps function role's statements
    stack = default_stack[1]
    statements = role_statements(template, steps_function(template)[1])

    # WHEN / THEN CodeArtifact: what a run plans and applies with, on the configured scope only
    assert granted(statements, "codeartifact:") == {
        *((action, arn) for action in PACKAGE_ACTIONS for arn in PACKAGES),
        *(("codeartifact:ListPackages", arn) for arn in REPOSITORIES),
        ("codeartifact:ListRepositoriesInDomain", DOMAIN),
    }
    # AND the ledger: read, remember, mark restored; never a hold's PutItem or DeleteItem (the API's)
    ledger = f"<{logical_id(stack.ledger.table)}.Arn>"
    assert granted(statements, "dynamodb:") == {
        (f"dynamodb:{action}", ledger) for action in ("Query", "BatchGetItem", "BatchWriteItem", "UpdateItem")
    }
    # AND run files in the reports bucket through its key (test_cdk_reports.py), the kill switch, its own logs
    # and X-Ray; no Step Functions, no queue
    prefixes = {action.split(":")[0] for statement in statements for action in _actions(statement)}
    assert prefixes == {"codeartifact", "dynamodb", "s3", "kms", "ssm", "logs", "xray"}


def test_steps_role_measure_bytes_true_lists_assets(tuned_template: Template):
    # GIVEN measureBytes true / WHEN the steps function's package grants are read
    grants = granted(role_statements(tuned_template, steps_function(tuned_template)[1]), "codeartifact:")

    # THEN it may also list each version's assets before disposing it
    assert {action for action, arn in grants if arn in PACKAGES} == {
        *PACKAGE_ACTIONS,
        "codeartifact:ListPackageVersionAssets",
    }


def test_kill_switch_both_functions_told_and_may_only_read_it(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN the switch parameter
    stack = default_stack[1]
    parameter = template.to_json()["Resources"][logical_id(stack.switch.parameter)]["Properties"]
    parameter_arn = (
        f"arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter<{logical_id(stack.switch.parameter)}>"
    )

    # WHEN / THEN it is created enabled, under the stack's name
    assert (parameter["Name"], parameter["Value"], parameter["Type"]) == (
        "/CodeArtifactDisposer/disposals",
        "enabled",
        "String",
    )
    # AND both functions are told it and may read it, and nothing else of SSM
    for _, function in (run_function(template), steps_function(template)):
        assert function["Environment"]["Variables"][ENV_SWITCH_PARAMETER] == {"Ref": logical_id(stack.switch.parameter)}
        assert granted(role_statements(template, function), "ssm:") == {("ssm:GetParameter", parameter_arn)}


def test_outputs_name_the_steps_function_and_its_audit_trail(
    default_stack: tuple[cdk.App, DisposerStack], template: Template
):
    # GIVEN / WHEN the stack outputs are read
    stack = default_stack[1]
    outputs = template.to_json()["Outputs"]

    # THEN the operator finds the steps function and the log group of workflow runs; no fan-out output is left
    assert outputs["StepsFunctionName"]["Value"] == {"Ref": logical_id(stack.steps.function)}
    assert outputs["StepsLogGroup"]["Value"] == {"Ref": logical_id(stack.steps.log_group)}
    retired = {"WorkQueueUrl", "WorkDeadLetterQueueUrl", "WorkerFunctionName", "WorkerLogGroup", "RunTableName"}
    assert not retired & set(outputs)
    assert "FailedRunsQueueUrl" not in outputs
