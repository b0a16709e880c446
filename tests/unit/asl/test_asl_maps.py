"""Map states: inline iterations, and Distributed Map runs with an S3 ItemReader, MaxConcurrency, tolerated
failures and a ResultWriter, against moto's S3 (local/asl/maps.py, local/asl/results.py)."""

import json
import threading
import time

from local.asl.environment import Environment
from local.asl.errors import EXCEED_TOLERATED_FAILURE_THRESHOLD, ITEM_READER_FAILED
from local.asl.execution import Status
from local.asl.machine import StateMachine
from tests.unit.asl.conftest import BUCKET

INVOKE = "arn:aws:states:::lambda:invoke"


class Concurrency:
    """A function that records how many calls run at once."""

    def __init__(self, fail_when=lambda item: False):
        self.running = 0
        self.most = 0
        self.calls = 0
        self.fail_when = fail_when
        self._lock = threading.Lock()

    def __call__(self, event):
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        time.sleep(0.002)
        with self._lock:
            self.running -= 1
        if self.fail_when(event["item"]):
            raise ValueError(f"item {event['item']} is bad")
        return {"doubled": event["item"] * 2}


def processor(mode="DISTRIBUTED"):
    work = {
        "Type": "Task",
        "Resource": INVOKE,
        "Parameters": {"FunctionName": "work", "Payload.$": "$"},
        "OutputPath": "$.Payload",
        "End": True,
    }
    config = {"Mode": mode, "ExecutionType": "STANDARD"} if mode == "DISTRIBUTED" else {"Mode": mode}
    return {"ProcessorConfig": config, "StartAt": "Work", "States": {"Work": work}}


def distributed(**fields):
    state = {
        "Type": "Map",
        "ItemProcessor": processor(),
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket.$": "$.bucket", "Key.$": "$.itemsKey"},
        },
        "ItemSelector": {"item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "run.$": "$.runId"},
        "ResultPath": "$.results",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Failed"}],
        "End": True,
        **fields,
    }
    return {"StartAt": "Items", "States": {"Items": state, "Failed": {"Type": "Pass", "End": True}}}


def start(definition, s3, function, items):
    s3.put_object(Bucket=BUCKET, Key="runs/r1/items.json", Body=json.dumps(items).encode())
    env = Environment(functions={"work": function}, s3=s3)
    run = {"runId": "r1", "bucket": BUCKET, "itemsKey": "runs/r1/items.json", "prefix": "runs/r1/map"}
    return StateMachine(definition, name="runs", environment=env).execute(run)


def read(s3, key):
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_inline_map_selects_each_item_with_its_index_and_collects_outputs(clock):
    # GIVEN
    state = {
        "Type": "Map",
        "ItemsPath": "$.values",
        "ItemSelector": {"item.$": "$$.Map.Item.Value", "at.$": "$$.Map.Item.Index", "tag.$": "$.tag"},
        "ItemProcessor": {"StartAt": "Keep", "States": {"Keep": {"Type": "Pass", "End": True}}},
        "MaxConcurrency": 2,
        "ResultPath": "$.out",
        "End": True,
    }
    # WHEN
    execution = StateMachine({"StartAt": "M", "States": {"M": state}}, environment=Environment(clock=clock)).execute(
        {"values": ["a", "b", "c"], "tag": "t"}
    )
    # THEN
    assert execution.output["out"] == [{"item": v, "at": i, "tag": "t"} for i, v in enumerate("abc")]
    assert len(execution.events("MapIterationSucceeded")) == 3


def test_inline_map_failure_fails_the_state_and_is_caught():
    # GIVEN
    state = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"item.$": "$$.Map.Item.Value"},
        "ItemProcessor": processor("INLINE"),
        "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.failure", "Next": "Caught"}],
        "End": True,
    }
    definition = {"StartAt": "M", "States": {"M": state, "Caught": {"Type": "Succeed"}}}
    env = Environment(functions={"work": Concurrency(fail_when=lambda item: item == 2)})
    # WHEN
    execution = StateMachine(definition, environment=env).execute({"items": [1, 2, 3]})
    # THEN
    assert execution.states_entered()[-1] == "Caught"
    assert execution.output["failure"]["Error"] == "ValueError"
    assert execution.events("MapStateFailed")


def test_distributed_map_of_1000_items_runs_10_at_a_time_and_writes_results(s3):
    # GIVEN
    work = Concurrency()
    definition = distributed(
        MaxConcurrency=10,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket.$": "$.bucket", "Prefix.$": "$.prefix"},
        },
    )
    # WHEN
    execution = start(definition, s3, work, list(range(1000)))
    # THEN
    assert execution.status is Status.SUCCEEDED
    assert work.calls == 1000
    assert 1 < work.most <= 10
    results = execution.output["results"]
    [map_run] = execution.map_runs
    assert results["MapRunArn"] == map_run.arn
    assert map_run.arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:runs/Items:")
    map_run_id = map_run.arn.rsplit(":", 1)[1]
    assert results["ResultWriterDetails"] == {"Bucket": BUCKET, "Key": f"runs/r1/map/{map_run_id}/manifest.json"}
    manifest = read(s3, results["ResultWriterDetails"]["Key"])
    succeeded_key = f"runs/r1/map/{map_run_id}/SUCCEEDED_0.json"
    assert manifest["DestinationBucket"] == BUCKET
    assert manifest["ResultFiles"]["FAILED"] == manifest["ResultFiles"]["PENDING"] == []
    assert [entry["Key"] for entry in manifest["ResultFiles"]["SUCCEEDED"]] == [succeeded_key]
    records = read(s3, succeeded_key)
    assert len(records) == 1000
    record = next(r for r in records if json.loads(r["Input"])["index"] == 7)
    assert json.loads(record["Input"]) == {"item": 7, "index": 7, "run": "r1"}
    assert (json.loads(record["Output"]), record["Status"]) == ({"doubled": 14}, "SUCCEEDED")
    assert {"ExecutionArn", "StartDate", "StopDate", "StateMachineArn", "Name"} <= record.keys()
    assert [event.type for event in execution.history if event.type.startswith("MapRun")] == [
        "MapRunStarted",
        "MapRunSucceeded",
    ]


def test_distributed_map_without_writer_returns_outputs_in_item_order(s3):
    execution = start(distributed(MaxConcurrency=3), s3, Concurrency(), [3, 1, 2])
    assert execution.output["results"] == [{"doubled": 6}, {"doubled": 2}, {"doubled": 4}]
    assert {child.status for child in execution.map_runs[0].executions} == {Status.SUCCEEDED}


def test_distributed_map_tolerates_failures_up_to_its_percentage(s3):
    # GIVEN every tenth item fails, and all failures are tolerated
    work = Concurrency(fail_when=lambda item: item % 10 == 0)
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket.$": "$.bucket", "Prefix": "out"}}
    # WHEN
    execution = start(distributed(ToleratedFailurePercentage=100, ResultWriter=writer), s3, work, list(range(50)))
    # THEN
    assert execution.status is Status.SUCCEEDED and "failure" not in execution.output
    manifest = read(s3, execution.output["results"]["ResultWriterDetails"]["Key"])
    [failed_file] = manifest["ResultFiles"]["FAILED"]
    failed = read(s3, failed_file["Key"])
    assert sorted(json.loads(record["Input"])["item"] for record in failed) == [0, 10, 20, 30, 40]
    assert {record["Error"] for record in failed} == {"ValueError"}
    assert json.loads(failed[0]["Cause"])["errorType"] == "ValueError"
    assert len(read(s3, manifest["ResultFiles"]["SUCCEEDED"][0]["Key"])) == 45


def test_distributed_map_over_its_tolerated_count_fails_and_stops_starting_items(s3):
    # GIVEN items that all fail, one failure tolerated, one item at a time
    work = Concurrency(fail_when=lambda item: True)
    # WHEN
    execution = start(distributed(ToleratedFailureCount=1, MaxConcurrency=1), s3, work, list(range(20)))
    # THEN
    assert execution.output["failure"]["Error"] == EXCEED_TOLERATED_FAILURE_THRESHOLD
    assert work.calls == 2
    assert execution.map_runs[0].status == "FAILED"
    assert execution.events("MapRunFailed")


def test_distributed_map_with_no_tolerance_fails_on_first_failure(s3):
    execution = start(distributed(), s3, Concurrency(fail_when=lambda item: item == 1), [0, 1, 2])
    assert execution.output["failure"]["Error"] == EXCEED_TOLERATED_FAILURE_THRESHOLD


def test_distributed_map_reading_a_missing_object_is_item_reader_failed(s3):
    # GIVEN
    env = Environment(functions={"work": Concurrency()}, s3=s3)
    run = {"runId": "r1", "bucket": BUCKET, "itemsKey": "runs/none.json"}
    # WHEN
    execution = StateMachine(distributed(), environment=env).execute(run)
    # THEN
    assert execution.output["failure"]["Error"] == ITEM_READER_FAILED


def test_stopping_the_execution_aborts_the_map_run_and_starts_no_more_items(s3):
    # GIVEN a Distributed Map whose first two items are in their function
    entered, release = threading.Semaphore(0), threading.Event()

    def blocking(event):
        entered.release()
        release.wait(5)
        return event["item"]

    s3.put_object(Bucket=BUCKET, Key="items.json", Body=json.dumps(list(range(10))).encode())
    machine = StateMachine(distributed(MaxConcurrency=2), environment=Environment(functions={"work": blocking}, s3=s3))
    execution = machine.start({"runId": "r1", "bucket": BUCKET, "itemsKey": "items.json"})
    assert entered.acquire(timeout=5) and entered.acquire(timeout=5)
    # WHEN
    execution.stop("Cancelled", "by a test")
    release.set()
    # THEN
    [map_run] = execution.map_runs
    deadline = time.monotonic() + 5
    while map_run.status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (execution.status, map_run.status) == (Status.ABORTED, "ABORTED")
    assert [str(child.status) for child in map_run.executions] == ["ABORTED", "ABORTED"]
