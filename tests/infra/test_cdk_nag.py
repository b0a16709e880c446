"""cdk-nag AwsSolutions: the stack has no unacknowledged finding, and the check does catch one."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match
from cdk_nag import AwsSolutionsChecks

from infra.stack import DisposerStack
from tests.infra.cdk_testkit import synth_stack


def _findings(app: cdk.App, stack: DisposerStack) -> list[str]:
    # cdk-nag 3 is a policy-validation plugin: its findings are validation violations, not annotations.
    report = AwsSolutionsChecks(app, verbose=True).validate_scope(stack)
    return [
        f"{violation.severity} {violation.rule_name} at "
        f"{[resource.construct_path for resource in violation.violating_resources]}: {violation.description}"
        for violation in report.violations
    ]


@pytest.mark.parametrize("stack_fixture", ["default_stack", "variant_stack", "tuned_stack"])
def test_nag_aws_solutions_stack_has_no_unacknowledged_findings(stack_fixture: str, request: pytest.FixtureRequest):
    # GIVEN the default stack, the variant (default owner, repository glob, no API Gateway role) and the tuned one
    # (with the usage recorder)
    app, stack = request.getfixturevalue(stack_fixture)

    # WHEN AwsSolutions runs over it
    findings = _findings(app, stack)

    # THEN no error or warning is left unacknowledged
    assert findings == [], "\n".join(findings)
    annotations = Annotations.from_stack(stack)
    assert annotations.find_error("*", Match.string_like_regexp("AwsSolutions-.*")) == []
    assert annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*")) == []


def test_nag_unacknowledged_wildcards_are_reported():
    # GIVEN the stack plus a role with a doubly wildcarded statement nobody acknowledged. Not on the
    # function's role: there Resource::* is acknowledged for X-Ray (test_role_only_wildcard_resource_is_
    # xray_telemetry pins that X-Ray is the only Resource "*" it has), so only the Action would show.
    app, stack = synth_stack({"stackName": "NagProbe"})
    probe = iam.Role(stack, "Probe", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    probe.add_to_policy(iam.PolicyStatement(actions=["codeartifact:*"], resources=["*"]))

    # WHEN AwsSolutions runs
    findings = [finding for finding in _findings(app, stack) if "NagProbe/Probe/" in finding]

    # THEN both wildcards are reported, so the clean result above is not vacuous
    assert any("AwsSolutions-IAM5[Action::codeartifact:*]" in finding for finding in findings), findings
    assert any("AwsSolutions-IAM5[Resource::*]" in finding for finding in findings), findings


def test_nag_plugin_registered_app_synth_passes_validation(default_stack: tuple[cdk.App, DisposerStack]):
    # GIVEN the app as app.py builds it (plugin registered by build_app)
    app, _ = default_stack

    # WHEN it is synthesized / THEN CDK's policy validation (cdk-nag) passes
    assembly = app.synth()
    assert assembly.get_stack_by_name("CodeArtifactDisposer").template["Resources"]
