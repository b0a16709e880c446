"""The CLI's audit sink: every record the function logs reaches the audit file whole, one JSON object a line."""

import argparse
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from disposer.observability import logger
from disposer_cli.output import RunProgress
from disposer_cli.runner import route_audit


@pytest.fixture
def restored_log_stream() -> Iterator[None]:
    handler = logger.registered_handler
    stream = handler.stream  # type: ignore[attr-defined]
    yield
    handler.stream = stream  # type: ignore[attr-defined]


# Unicode line boundaries Powertools writes unescaped (it logs with ensure_ascii=False), str.splitlines() splits at.
@pytest.mark.parametrize("boundary", ["\u2028", "\u2029", "\u0085"], ids=["U+2028", "U+2029", "U+0085"])
def test_audit_sink_reason_with_unicode_line_boundary_keeps_one_record_per_line(
    tmp_path: Path, boundary: str, restored_log_stream: None
):
    # GIVEN the CLI's audit routing to a file, as `plan --audit-log FILE` sets it up
    audit = tmp_path / "audit.jsonl"
    sink = route_audit(argparse.Namespace(audit_log=audit, verbose=False, command="plan"), RunProgress(io.StringIO()))
    reason = f"kept: held by ops{boundary}until 2030"
    # WHEN the function's logger writes a record whose reason holds the boundary, then another record
    logger.info("version outcome", reason=reason, version="1.0.0")
    logger.info("run report", run_id="r-1")
    sink.close()
    # THEN the file holds exactly two lines, each one whole record, the reason intact
    lines = audit.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 3
    first, second = (json.loads(line) for line in lines[:2])
    assert (first["message"], first["reason"]) == ("version outcome", reason)
    assert second["message"] == "run report"
    assert sink.records == 2
