"""A stand-in for the steps function (disposer.steps.lambda_handler) that keeps the run workflow's contract
(docs: the spec's run state and reports bucket layout) with S3 in moto, so the workflow's definition can be
run end to end before the real steps exist. Behaviour is set per test: shards, parts, flaky and broken parts."""

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

REPORTS = "reports"


class InvalidRunError(Exception):
    """The run's input is refused."""


class RetryLaterError(Exception):
    """A part hit a transient limit; Step Functions retries it."""


class PartFailedError(Exception):
    """A part failed for good."""


@dataclass
class StubSteps:
    s3: Any
    shards: int = 3
    parts: int = 3
    flaky: dict[int, int] = field(default_factory=dict)  # part -> attempts that raise RetryLaterError
    broken: set[int] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    attempts: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    asked: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: dict[str, Any]) -> Any:
        with self._lock:
            self.calls.append(event["step"])
        return getattr(self, event["step"])(event)

    def put(self, key: str, value: Any) -> None:
        self.s3.put_object(Bucket=REPORTS, Key=key, Body=json.dumps(value).encode())

    def get(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=REPORTS, Key=key)["Body"].read())

    def start(self, event: dict[str, Any]) -> dict[str, Any]:
        request = event["input"]
        if not isinstance(request.get("runId"), str):
            raise InvalidRunError("runId is required")
        run_id = request["runId"]
        self.put(f"runs/{run_id}/run.json", {"runId": run_id, "executionArn": event["executionArn"], **request})
        timeout = request.get("approvalTimeoutSeconds")
        return {
            "runId": run_id,
            "bucket": REPORTS,
            "mode": request.get("mode", "plan"),
            "aborted": None,
            "approvalNeeded": False,
            "approval": None if timeout is None else {"timeoutSeconds": timeout},
            "approved": None,
            "duplicate": request.get("duplicate", False),
            "event": {"runId": run_id},
            "quarantined": None,
            "shardsKey": f"runs/{run_id}/shards.json",
            "partsKey": f"runs/{run_id}/parts.json",
            "mapResultsPrefix": f"runs/{run_id}/map",
        }

    def inventory(self, event: dict[str, Any]) -> dict[str, Any]:
        run: dict[str, Any] = event["run"]
        self.put(run["shardsKey"], [{"shard": n} for n in range(self.shards)])
        return run

    def plan_shard(self, event: dict[str, Any]) -> None:
        shard = event["shard"]["shard"]
        self.put(f"runs/{event['run']['runId']}/plan/{shard}.json", {"shard": shard, "disposable": 2})

    def merge(self, event: dict[str, Any]) -> dict[str, Any]:
        run = dict(event["run"])
        total = sum(self.get(f"runs/{run['runId']}/plan/{n}.json")["disposable"] for n in range(self.shards))
        self.put(run["partsKey"], [{"part": n} for n in range(self.parts)])
        run["approvalNeeded"] = run["approval"] is not None and run["approved"] is None
        run["event"] = {"runId": run["runId"], "disposable": total, "approved": run["approved"]}
        return run

    def await_approval(self, event: dict[str, Any]) -> dict[str, Any]:
        run = event["run"]
        self.put(f"runs/{run['runId']}/approval.json", {"token": event["token"], "planDigest": "digest-1"})
        self.asked.set()
        return {"asked": True}

    def apply_part(self, event: dict[str, Any]) -> None:
        part, attempt = event["part"]["part"], event["attempt"]
        with self._lock:
            self.attempts[part].append(attempt)
        if attempt < self.flaky.get(part, 0):
            raise RetryLaterError(f"part {part}: throttled")
        if part in self.broken:
            raise PartFailedError(f"part {part}: failed")
        self.put(f"runs/{event['run']['runId']}/outcomes/{part}.json", {"part": part, "disposed": 2})

    def report(self, event: dict[str, Any]) -> dict[str, Any]:
        run = dict(event["run"])
        failure = run.pop("failure", None)
        run["aborted"] = f"{failure['Error']}: {failure.get('Cause', '')}" if failure else None
        failed = self._failed_parts(run) if run["mode"] == "apply" and not failure else []
        run["quarantined"] = {"runId": run["runId"], "parts": failed} if failed else None
        run["event"] = {"runId": run["runId"], "aborted": run["aborted"], "failedParts": failed}
        self.put(f"runs/{run['runId']}/report.json", run["event"])
        return run

    def _failed_parts(self, run: dict[str, Any]) -> list[int]:
        """The parts the ApplyParts Map run lists as failed, from its ResultWriter's manifest."""
        listed = self.s3.list_objects_v2(Bucket=REPORTS, Prefix=run["mapResultsPrefix"] + "/")
        keys = [item["Key"] for item in listed.get("Contents", []) if item["Key"].endswith("/manifest.json")]
        applied = [manifest for manifest in map(self.get, keys) if "/ApplyParts:" in manifest["MapRunArn"]]
        records = [record for m in applied for file in m["ResultFiles"]["FAILED"] for record in self.get(file["Key"])]
        return sorted(json.loads(record["Input"])["part"]["part"] for record in records)
