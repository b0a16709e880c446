"""The run report's body: items built from the engine's values without validating them again must be the
items validation would give, and the plan digest shown is the digest of the plan the report holds."""

from datetime import UTC, datetime

from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import Action, PackagePlan, Plan, PlanItem, Rule
from disposer.model.report import RunItem
from disposer.model.runs import RunContext
from disposer.runs.report import RunReport
from disposer.safety.digest import plan_digest

REF = PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, "acme", "ui-kit")
NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
CONTEXT = RunContext(run_id="run-1", trigger="schedule", caller="rule/prune", dry_run=False, policy="prune")


def _item(version: str, action: Action, rule: Rule, status: PackageVersionStatus | None) -> PlanItem:
    return PlanItem(REF, version, f"rev-{version}", status, action, rule, f"{action} {version}")


def _plan(*items: PlanItem) -> Plan:
    return Plan(policy="prune", as_of=NOW, packages=(PackagePlan(REF, items),))


def test_items_are_those_validation_would_build() -> None:
    disposed = _item("1.0.0", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, PackageVersionStatus.PUBLISHED)
    failed = _item("1.1.0", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, PackageVersionStatus.UNLISTED)
    archived = _item("1.2.0", Action.ARCHIVE, Rule.ARCHIVE_QUARANTINE, PackageVersionStatus.PUBLISHED)
    kept = _item("2.0.0", Action.KEEP, Rule.KEEP_LATEST, None)
    report = RunReport(context=CONTEXT, plan=_plan(disposed, failed, archived, kept), applied=True)
    report.record(VersionOutcome(disposed, True, revision="rev-1.0.0", status="Disposed"))
    report.record(VersionOutcome.failure(failed, "MISMATCHED_REVISION", "changed since the plan"))
    report.record(VersionOutcome(archived, True, revision="rev-1.2.0", status="Archived"))

    items = report.to_body().items

    assert [(i.version, i.action, i.outcome, i.error_code) for i in items] == [
        ("1.0.0", "dispose", "disposed", None),
        ("1.1.0", "dispose", "failed", "MISMATCHED_REVISION"),
        ("1.2.0", "archive", "archived", None),
        ("2.0.0", "keep", None, None),
    ]
    for item in items:
        assert item.model_fields_set == set(RunItem.model_fields)
        validated = RunItem.model_validate(item.model_dump(by_alias=True))
        assert validated == item
        assert validated.model_dump_json(by_alias=True) == item.model_dump_json(by_alias=True)


def test_digest_follows_the_plan_the_report_holds() -> None:
    first = _plan(_item("1.0.0", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, PackageVersionStatus.PUBLISHED))
    second = _plan(_item("1.0.1", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, PackageVersionStatus.PUBLISHED))
    report = RunReport(context=CONTEXT, plan=first)
    assert report.plan_digest == report.to_body(max_items=0).plan_digest == plan_digest(first)

    report.plan = second

    assert report.plan_digest == report.to_body().plan_digest == plan_digest(second) != plan_digest(first)
