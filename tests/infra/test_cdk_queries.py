"""Saved Logs Insights queries: on the audit log group, and reading fields the function's records really have.

The records are the function's own: written by its audit trail and run report through its Powertools
Logger, captured from stdout as CloudWatch receives them. Logs Insights flattens nested JSON into
dotted field names; a small evaluator applies each query's `filter` to the records.
"""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import ON_DEMAND, REQUESTED_BY_CALLER, Action, PackagePlan, Plan, PlanItem, Rule
from disposer.model.runs import RunContext
from disposer.observability import logger
from disposer.runs.finish import publish
from disposer.runs.report import RunReport
from infra.queries import (
    DISPOSALS_BY_CALLER,
    DISPOSED_VERSIONS,
    FAILURES_BY_ERROR_CODE,
    LATEST_DISPOSALS,
    RUN_BY_ID,
    RUN_ID_PLACEHOLDER,
    SAVED_QUERIES,
    SavedQuery,
)
from infra.stack import DisposerStack
from tests.infra.cdk_testkit import resources_of

API_RUN = "c0ffee00-0000-4000-8000-000000000001"
APPLY_RUN = "c0ffee00-0000-4000-8000-000000000002"
SCHEDULED_RUN = "7bf73129-1428-4cd3-a780-95db273d1602"
CALLER = "arn:aws:iam::111122223333:role/ci-cleanup"
RULE = "arn:aws:events:us-east-1:111122223333:rule/CodeArtifactDisposer-prune-ui"
UI_KIT = PackageRef(
    domain="acme",
    domain_owner="111122223333",
    repository="releases",
    format=PackageFormat.NPM,
    namespace="acme",
    package="ui-kit",
)
# Fields Logs Insights adds to every event.
BUILTIN_FIELDS = {"@timestamp", "@message", "@logStream", "@log", "@ingestionTime"}


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _item(version: str, reason: str = REQUESTED_BY_CALLER) -> PlanItem:
    rule = Rule.DISPOSE_REQUESTED if reason == REQUESTED_BY_CALLER else Rule.DISPOSE_OLDER_THAN
    return PlanItem(UI_KIT, version, f"r-{version}", PackageVersionStatus.PUBLISHED, Action.DISPOSE, rule, reason)


def _report(context: RunContext, policy: str, *outcomes: VersionOutcome, **fields: Any) -> RunReport:
    items = tuple(outcome.item for outcome in outcomes)
    plan = Plan(policy=policy, as_of=datetime(2026, 11, 1, tzinfo=UTC), packages=(PackagePlan(UI_KIT, items),))
    report = RunReport(context=context, plan=plan, applied=not context.dry_run, **fields)
    for outcome in outcomes:
        report.record(outcome)
    return report


@pytest.fixture
def records(printed: Callable[[], list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
    """As logged: a /dispose call (one version disposed, one failed), a policy applied through the API
    (one disposed), a dry run, and an aborted scheduled run."""
    logger.set_correlation_id(API_RUN)
    api = RunContext(run_id=API_RUN, trigger="api", caller=CALLER, dry_run=False)
    report = _report(
        api,
        ON_DEMAND,
        VersionOutcome(_item("1.0.0"), True, revision="r1", status="Disposed"),
        VersionOutcome.failure(_item("1.1.0"), "MISMATCHED_REVISION", "current revision: r9"),
    )
    publish(report.to_body(max_items=0), metrics=False)

    logger.set_correlation_id(APPLY_RUN)
    apply = RunContext(run_id=APPLY_RUN, trigger="api", caller=CALLER, dry_run=False, policy="prune")
    _report(apply, "prune", VersionOutcome(_item("0.9.0", "dispose: older than 90 days"), True, status="Disposed"))

    logger.set_correlation_id("dry-run-request")
    dry = RunContext(run_id="dry-run-request", trigger="api", caller=CALLER, dry_run=True)
    publish(
        _report(dry, ON_DEMAND, VersionOutcome(_item("1.2.0"), True, status="Published")).to_body(max_items=0),
        metrics=False,
    )

    logger.set_correlation_id(SCHEDULED_RUN)
    scheduled = RunContext(run_id=SCHEDULED_RUN, trigger="schedule", caller=RULE, dry_run=False, policy="prune-ui")
    aborted = _report(
        scheduled,
        "prune-ui",
        cap=100,
        aborted_reason="plan disposes 120 versions, which exceeds maxDisposalsPerRun 100",
    )
    publish(aborted.to_body(max_items=0), metrics=False)
    yield [_flatten(record) | {"@message": record} for record in printed() if "_aws" not in record]
    logger.remove_keys(["correlation_id"])


_TERM = re.compile(r'^([\w.@]+) = "([^"]*)"$')


def _command(query: SavedQuery, name: str) -> str | None:
    lines = [line for line in query.lines if line.split(" ", 1)[0] == name]
    return lines[0].split(" ", 1)[1] if lines else None


def _matches(condition: str, record: dict[str, Any]) -> bool:
    """Logs Insights `filter` for what the saved queries use: `field = "text"` joined by and / or."""
    for alternative in condition.split(" or "):
        terms = [_TERM.match(term.strip()) for term in alternative.split(" and ")]
        assert all(terms), f"unsupported filter: {condition}"
        if all(record.get(term.group(1)) == term.group(2) for term in terms if term):
            return True
    return False


def _selected(query: SavedQuery, records: list[dict[str, Any]], run_id: str | None = None) -> list[dict[str, Any]]:
    condition = _command(query, "filter")
    assert condition is not None
    if run_id is not None:
        condition = condition.replace(RUN_ID_PLACEHOLDER, run_id)
    return [record for record in records if _matches(condition, record)]


def _fields_read(query: SavedQuery) -> tuple[set[str], set[str]]:
    """(fields the query reads from records, aliases it defines) from its fields / stats / sort commands."""
    read: set[str] = set()
    aliases: set[str] = set()
    if (fields := _command(query, "fields")) is not None:
        read |= {field.strip() for field in fields.split(",")}
    if (stats := _command(query, "stats")) is not None:
        aggregations, _, group_by = stats.partition(" by ")
        for function, argument, alias in re.findall(r"(\w+)\(([^)]*)\) as (\w+)", aggregations):
            assert function in {"count", "count_distinct", "latest", "earliest", "min", "max", "sum", "avg"}
            aliases.add(alias)
            if argument != "*":
                read.add(argument)
        read |= {field.strip() for field in group_by.split(",") if field.strip()}
    if (sort := _command(query, "sort")) is not None:
        field, direction = sort.split()
        assert direction in {"asc", "desc"}
        if field not in aliases:
            read.add(field)
    return read, aliases


@pytest.mark.parametrize("query", [*SAVED_QUERIES, LATEST_DISPOSALS], ids=lambda query: query.id)
def test_query_reads_only_fields_of_the_records_it_selects(query: SavedQuery, records: list[dict[str, Any]]):
    # GIVEN the function's real records / WHEN the query's filter selects some of them
    selected = _selected(query, records, run_id=SCHEDULED_RUN) + _selected(query, records, run_id=API_RUN)
    read, _ = _fields_read(query)

    # THEN every field it shows, counts, groups or sorts by is in some selected record
    assert selected
    present = set().union(*(record.keys() for record in selected)) | BUILTIN_FIELDS
    assert read - present == set()


def test_query_disposed_versions_selects_disposals_only(records: list[dict[str, Any]]):
    # GIVEN two disposed, a failed and a would-dispose (dry run) version / WHEN the disposed queries run
    for query in (DISPOSED_VERSIONS, DISPOSALS_BY_CALLER, LATEST_DISPOSALS):
        selected = _selected(query, records)

        # THEN only the disposals are selected, with who, what and why
        assert [(r["version"], r["outcome"]) for r in selected] == [("1.0.0", "disposed"), ("0.9.0", "disposed")]
    read, _ = _fields_read(DISPOSED_VERSIONS)
    assert {"@timestamp", "caller", "policy", "repository", "package", "version", "reason"} <= read
    on_demand, by_policy = _selected(DISPOSED_VERSIONS, records)
    assert (on_demand["caller"], on_demand["run_id"], on_demand["reason"]) == (CALLER, API_RUN, "requested by caller")
    # A /dispose call follows no policy: its records have no policy field (an empty column)
    assert "policy" not in on_demand
    assert (by_policy["policy"], by_policy["reason"]) == ("prune", "dispose: older than 90 days")
    assert _fields_read(DISPOSALS_BY_CALLER)[0] >= {"caller"}


def test_query_failures_grouped_by_error_code(records: list[dict[str, Any]]):
    # GIVEN / WHEN the failures query runs
    selected = _selected(FAILURES_BY_ERROR_CODE, records)
    stats = _command(FAILURES_BY_ERROR_CODE, "stats")

    # THEN it counts the failed version by its error code
    assert [(r["version"], r["error_code"]) for r in selected] == [("1.1.0", "MISMATCHED_REVISION")]
    assert stats is not None and stats.partition(" by ")[2].split(", ")[0] == "error_code"


@pytest.mark.parametrize(
    ("run_id", "messages"),
    [
        (API_RUN, ["version outcome", "version outcome", "run report"]),
        (SCHEDULED_RUN, ["run report"]),
    ],
)
def test_query_run_by_id_selects_that_runs_records_only(
    run_id: str, messages: list[str], records: list[dict[str, Any]]
):
    # GIVEN the run query with its placeholder replaced by one run's id
    # WHEN it runs over records of three runs
    selected = _selected(RUN_BY_ID, records, run_id=run_id)

    # THEN exactly that run's audit records and summary or report are selected
    assert [record["message"] for record in selected] == messages
    assert RUN_BY_ID.query_string.count(RUN_ID_PLACEHOLDER) == 3
    assert RUN_ID_PLACEHOLDER in RUN_BY_ID.title


def test_query_run_by_id_shows_the_report_figures(records: list[dict[str, Any]]):
    # GIVEN the aborted scheduled run's report / WHEN the run query selects it
    (report,) = _selected(RUN_BY_ID, records, run_id=SCHEDULED_RUN)
    read, _ = _fields_read(RUN_BY_ID)

    # THEN its level, abort reason and totals are columns, and the whole record is there (@message)
    assert report["level"] == "ERROR" and report["aborted"] is True
    assert {"level", "abortedReason", "totals.dispose", "totals.keep", "durationSeconds", "@message"} <= read
    assert report["runId"] == report["correlation_id"] == SCHEDULED_RUN


def test_queries_saved_on_both_audit_log_groups(default_stack: tuple[cdk.App, DisposerStack], template: Template):
    # GIVEN / WHEN the stack's query definitions are read
    stack = default_stack[1]
    definitions = {query["Name"]: query for query in resources_of(template, "AWS::Logs::QueryDefinition").values()}
    run_log_group = stack.resolve(stack.disposer.log_group.log_group_name)
    steps_log_group = stack.resolve(stack.steps.log_group.log_group_name)

    # THEN the four queries are saved under the stack's folder, each on both audit log groups: a workflow
    # run's audit records and report are the steps function's, an API call's the run function's
    assert sorted(definitions) == sorted(f"CodeArtifactDisposer/{query.title}" for query in SAVED_QUERIES)
    assert len(definitions) == 4
    for query in SAVED_QUERIES:
        definition = definitions[f"CodeArtifactDisposer/{query.title}"]
        assert definition["QueryString"] == query.query_string
        assert definition["LogGroupNames"] == [run_log_group, steps_log_group]
