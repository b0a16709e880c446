"""The docs' lists of IAM actions per role, resource types and alarms, held to the synthesized template."""

import re
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from disposer.constants import RECORDER_HANDLER
from tests.infra.cdk_testkit import (
    as_list,
    function_with_handler,
    logical_id,
    role_statements,
    run_function,
    steps_function,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"


def marked(path: Path, name: str) -> set[str]:
    """The backticked names opening each line between `<!-- name -->` and `<!-- /name -->` in a doc."""
    text = path.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {re.escape(name)} -->\n(.*?)<!-- /{re.escape(name)} -->", text, flags=re.DOTALL)
    assert found, f"{path.name} has no <!-- {name} --> list"
    names = set()
    for line in found.group(1).splitlines():
        if line.startswith("- "):
            # "- `A`, `B`: what" lists several names before the colon
            names |= set(re.findall(r"`([^`]+)`", line.split(": ", 1)[0]))
        elif line.startswith("| `"):
            names.add(line.split("`")[1])
    return names


def allowed(template: Template, function: dict[str, Any]) -> set[str]:
    return {
        action
        for statement in role_statements(template, function)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }


def test_docs_iam_actions_per_role_match_the_template(default_stack, template):
    # GIVEN the synthesized stack / WHEN each role's allowed actions are read
    # THEN docs/deploy.md lists exactly them, per role: both functions' and the state machine's
    machine_role = {"Role": {"Fn::GetAtt": [logical_id(default_stack[1].workflow.role), "Arn"]}}
    assert marked(DOCS / "deploy.md", "iam:run") == allowed(template, run_function(template)[1])
    assert marked(DOCS / "deploy.md", "iam:steps") == allowed(template, steps_function(template)[1])
    assert marked(DOCS / "deploy.md", "iam:state-machine") == allowed(template, machine_role)


def test_docs_resource_types_match_the_template(template):
    types = {resource["Type"] for resource in template.to_json()["Resources"].values()}
    assert marked(DOCS / "deploy.md", "resources") == types


def test_docs_alarms_match_the_template(template):
    names = {
        alarm["Properties"]["AlarmName"].split("-", 1)[1]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
    }
    documented = marked(DOCS / "monitoring.md", "alarms")
    assert documented == names
    # and the count in deploy.md's "What gets deployed" is the template's
    numbers = {8: "eight", 9: "nine", 10: "ten", 11: "eleven"}
    assert f"{numbers[len(names)]} alarms" in (DOCS / "deploy.md").read_text(encoding="utf-8")


def test_docs_usage_recorder_role_resources_and_alarms_match_a_template_with_a_trail(template, tuned_template):
    # GIVEN the tuned deployment, whose usage trail has a KMS key (so the recorder's role has all its grants)
    recorder = function_with_handler(tuned_template, RECORDER_HANDLER)[1]
    # WHEN / THEN docs/deploy.md lists exactly the recorder role's actions
    assert marked(DOCS / "deploy.md", "iam:recorder") == allowed(tuned_template, recorder)
    # AND the resource types the usage construct adds to those of a deployment without a trail
    usage = {r["Type"] for name, r in tuned_template.to_json()["Resources"].items() if name.startswith("Usage")}
    without = {resource["Type"] for resource in template.to_json()["Resources"].values()}
    assert marked(DOCS / "deploy.md", "resources:usage") == usage - without
    # AND docs/monitoring.md the alarms it adds
    names = {
        alarm["Properties"]["AlarmName"].split("-", 1)[1]
        for alarm in tuned_template.find_resources("AWS::CloudWatch::Alarm").values()
    }
    assert marked(DOCS / "monitoring.md", "alarms:usage") == names - marked(DOCS / "monitoring.md", "alarms")
