"""The run workflow's definition exactly as `cdk synth` writes it, with its references resolved for local runs.

The stack is synthesized in this process from cdk.json's context (without bundling the asset, which
the definition does not depend on), and the state machine's DefinitionString (a Fn::Join of text and
references) is resolved: the steps function's ARN becomes STEPS_FUNCTION, the partition `aws`, the
account and region the local ones. The result is cached under .build/, keyed by the sources it comes
from, so only the first local run after a change pays for the synthesis.
"""

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from disposer.constants import STEPS_HANDLER

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".build"
# The name local runs register the steps function under (any name would do: the ARN is resolved to it).
STEPS_FUNCTION = "steps"
LOCAL_ACCOUNT = "111122223333"
LOCAL_REGION = "us-east-1"
_SOURCES = ("app.py", "cdk.json", "infra")


class DefinitionError(RuntimeError):
    """The synthesized template has no run workflow, or a reference local runs cannot resolve."""


def workflow_definition(*, cache: bool = True) -> dict[str, Any]:
    """The state machine's definition (ASL as a dict), its references resolved."""
    cached = CACHE_DIR / f"workflow-definition-{_sources_digest()}.json"
    if cache and cached.exists():
        return dict(json.loads(cached.read_text()))
    definition = resolve_definition(synthesized_template())
    if cache:
        CACHE_DIR.mkdir(exist_ok=True)
        # Written whole, then renamed: parallel test workers never read half a file.
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(definition, indent=1))
        partial.replace(cached)
    return definition


def synthesized_template() -> dict[str, Any]:
    """The stack's CloudFormation template, synthesized here from cdk.json's context (no bundling)."""
    # The CDK's JavaScript runtime warns about Node versions on every start: not the newcomer's concern here.
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")
    import aws_cdk as cdk

    from infra.stack import build_app

    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context["aws:cdk:bundling-stacks"] = []
    app = cdk.App(context=context)
    stack = build_app(app)
    template: dict[str, Any] = app.synth().get_stack_by_name(stack.stack_name).template
    return template


def resolve_definition(template: dict[str, Any]) -> dict[str, Any]:
    """The one state machine's definition with every reference in it resolved."""
    resources: dict[str, Any] = template["Resources"]
    machines = [r for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    if len(machines) != 1:
        raise DefinitionError(f"expected one state machine in the template, found {len(machines)}")
    properties = machines[0]["Properties"]
    text = _resolve(properties["DefinitionString"], resources)
    definition: dict[str, Any] = json.loads(text)
    return definition


def _resolve(value: Any, resources: dict[str, Any]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_resolve(part, resources) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return _ref(value["Ref"], resources)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return _attribute(logical_id, attribute, resources)
    raise DefinitionError(f"cannot resolve {json.dumps(value)[:200]} in the definition")


def _ref(name: str, resources: dict[str, Any]) -> str:
    pseudo = {"AWS::Partition": "aws", "AWS::Region": LOCAL_REGION, "AWS::AccountId": LOCAL_ACCOUNT}
    if name in pseudo:
        return pseudo[name]
    if name in resources and resources[name]["Type"] == "AWS::Lambda::Function":
        return _function_name(name, resources)
    raise DefinitionError(f"the definition refers to {name}, which local runs cannot resolve")


def _attribute(logical_id: str, attribute: str, resources: dict[str, Any]) -> str:
    resource = resources.get(logical_id, {})
    if resource.get("Type") == "AWS::Lambda::Function" and attribute == "Arn":
        return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{_function_name(logical_id, resources)}"
    raise DefinitionError(f"the definition refers to {logical_id}.{attribute}, which local runs cannot resolve")


def _function_name(logical_id: str, resources: dict[str, Any]) -> str:
    handler = resources[logical_id]["Properties"].get("Handler")
    if handler != STEPS_HANDLER:
        raise DefinitionError(f"the definition calls function {logical_id} ({handler}), not the steps function")
    return STEPS_FUNCTION


def _sources_digest() -> str:
    sha = hashlib.sha256()
    for name in _SOURCES:
        path = REPO_ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            sha.update(str(file.relative_to(REPO_ROOT)).encode())
            sha.update(file.read_bytes())
    return sha.hexdigest()[:16]
