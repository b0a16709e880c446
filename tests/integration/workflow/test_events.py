"""The notifications a run puts on the default bus: what each carries, and that they reach a rule's target."""

import json
import uuid
from typing import Any

import boto3

from local.workflow.runner import LocalWorkflow
from tests.integration.workflow.conftest import RUN_TIME


def test_a_finished_run_announces_its_plan_and_its_end_with_where_the_plan_is(workflow: LocalWorkflow):
    result = workflow.run("prune", as_of=RUN_TIME, shard_packages=5)
    planned, finished = result.events
    assert (planned["DetailType"], finished["DetailType"]) == ("Run Planned", "Run Finished")
    assert {entry["Source"] for entry in result.events} == {"codeartifact.disposer"}
    detail = json.loads(finished["Detail"])
    assert result.report is not None
    assert detail["runId"] == result.report["runId"]
    assert detail["planDigest"] == result.report["planDigest"]
    assert detail["totals"] == result.report["totals"]
    assert detail["outcomes"] == result.report["outcomes"]
    assert detail["planLocation"] == f"s3://{workflow.store.bucket}/runs/{detail['runId']}/plan/"
    # AND the full plan is there: one JSON line per version, in shards
    lines = [
        line
        for shard in range(result.shards)
        for line in workflow.store.lines(f"runs/{detail['runId']}/plan/{shard:05d}.jsonl")
    ]
    assert len(lines) == result.report["totals"]["versions"]


def test_a_quarantine_announces_when_its_versions_may_be_disposed(workflow: LocalWorkflow):
    result = workflow.run("quarantined", as_of=RUN_TIME)
    kinds = [entry["DetailType"] for entry in result.events]
    assert kinds == ["Run Planned", "Versions Quarantined", "Run Finished"]
    detail = json.loads(result.events[1]["Detail"])
    assert detail["graceDays"] == 14
    assert detail["archived"] == result.report["outcomes"]["archived"] > 0  # type: ignore[index]
    assert detail["earliestDisposal"].startswith("2026-12-09")


def test_the_events_reach_a_rule_on_the_default_bus(workflow: LocalWorkflow, aws: str):
    # GIVEN a rule on the default bus for the disposer's events, sending them to a queue
    events, sqs = boto3.client("events", endpoint_url=aws), boto3.client("sqs", endpoint_url=aws)
    name = f"notify-{uuid.uuid4().hex[:8]}"
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["codeartifact.disposer"]}))
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
    # WHEN a run finishes
    workflow.run("prune", as_of=RUN_TIME)
    # THEN the queue received its events
    received: list[dict[str, Any]] = []
    for _ in range(5):
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        received += [json.loads(message["Body"]) for message in answer.get("Messages", [])]
    assert sorted(event["detail-type"] for event in received) == ["Run Finished", "Run Planned"]
