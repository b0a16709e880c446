"""Local AWS CodeArtifact emulator: botocore's restJson1 over HTTP, in memory, with fault injection.

Run it: ``python -m local.emulator --port 0 [--seed FILE] [--quota OP=TPS ...] [--read-tps N]
[--write-tps N] [--aws-quotas] [--error-rate F] [--throttle-rate F] [--latency-ms MS] [--seed-random N]
[--redispose noop|not-allowed] [--account ID] [--region R] [--verbose]``; it prints
``emulator ready on http://127.0.0.1:PORT`` and serves until SIGTERM/SIGINT. Point boto3 at it with
``AWS_ENDPOINT_URL_CODEARTIFACT``. In-process: ``start_emulator(seed=..., faults=...)`` returns a
``RunningEmulator`` (``.url``, ``.store``, ``.faults``, ``.stop()``, context manager).

Control plane (JSON; paths botocore never uses):

- ``GET /_emulator/health`` -> ``{"status": "ok"}``
- ``GET /_emulator/stats`` -> ``{"since", "calls": {op: n}, "throttles": {op: n}, "injected": {op: n},
  "errors": {op: {code: n}}, "totals": {...}}`` (``errors`` counts every error answer, by code)
- ``POST /_emulator/reset-stats`` -> the zeroed stats
- ``GET /_emulator/faults`` / ``POST /_emulator/faults`` with any of ``{"quotas": {op: tps}, "readTps",
  "writeTps", "errorRate", "throttleRate", "latencyMs", "seedRandom"}`` (given keys replace; null clears a TPS limit)
- ``POST /_emulator/inject`` ``{"operation": "DisposePackageVersions" | "*", "error":
  "AccessDeniedException", "count": 1, "message"?, "retryAfterSeconds"?, "resourceType"?,
  "resourceId"?, "reason"?}``: the next ``count`` calls fail with that modelled error;
  ``GET`` lists pending injections, ``DELETE`` clears them
- ``POST /_emulator/seed`` with a seed document merges it into the running state

Faults apply in this order: latency, injected error, TPS quotas (429 with ``Retry-After``), error rate.
"""

from local.emulator.faults import FaultSettings
from local.emulator.server import RunningEmulator, start_emulator

__all__ = ["FaultSettings", "RunningEmulator", "start_emulator"]
