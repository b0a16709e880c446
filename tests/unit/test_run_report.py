"""The run report's body: items built from the engine's values without validating them again must be the
items validation would give, and the plan digest shown is the digest of the plan the report holds."""

from disposer.model.outcomes import VersionOutcome
from disposer.model.packages import PackageVersionStatus
from disposer.model.plans import Action, PlanItem, Rule
from disposer.model.report import RunItem
from disposer.model.runs import RunContext
from disposer.runs.report import RunReport
from disposer.safety.digest import plan_digest
from tests.builders import item, plan

CONTEXT = RunContext(run_id="run-1", trigger="schedule", caller="rule/prune", dry_run=False, policy="prune")


def _item(version: str, action: Action, rule: Rule, status: PackageVersionStatus | None) -> PlanItem:
    return item(version, action, rule=rule, status=status)


def test_items_are_those_validation_would_build() -> None:
    disposed = _item("1.0.0", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, PackageVersionStatus.PUBLISHED)
    failed = _item("1.1.0", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, PackageVersionStatus.UNLISTED)
    archived = _item("1.2.0", Action.ARCHIVE, Rule.ARCHIVE_QUARANTINE, PackageVersionStatus.PUBLISHED)
    kept = _item("2.0.0", Action.KEEP, Rule.KEEP_LATEST, None)
    report = RunReport(context=CONTEXT, plan=plan(disposed, failed, archived, kept), applied=True)
    report.record(VersionOutcome(disposed, True, revision="r-1.0.0", status="Disposed"))
    report.record(VersionOutcome.failure(failed, "MISMATCHED_REVISION", "changed since the plan"))
    report.record(VersionOutcome(archived, True, revision="r-1.2.0", status="Archived"))

    items = report.to_body().items

    assert [(i.version, i.action, i.outcome, i.error_code) for i in items] == [
        ("1.0.0", "dispose", "disposed", None),
        ("1.1.0", "dispose", "failed", "MISMATCHED_REVISION"),
        ("1.2.0", "archive", "archived", None),
        ("2.0.0", "keep", None, None),
    ]
    for each in items:
        assert each.model_fields_set == set(RunItem.model_fields)
        validated = RunItem.model_validate(each.model_dump(by_alias=True))
        assert validated == each
        assert validated.model_dump_json(by_alias=True) == each.model_dump_json(by_alias=True)


def test_digest_follows_the_plan_the_report_holds() -> None:
    first = plan(_item("1.0.0", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, PackageVersionStatus.PUBLISHED))
    second = plan(_item("1.0.1", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, PackageVersionStatus.PUBLISHED))
    report = RunReport(context=CONTEXT, plan=first)
    assert report.plan_digest == report.to_body(max_items=0).plan_digest == plan_digest(first)

    report.plan = second

    assert report.plan_digest == report.to_body().plan_digest == plan_digest(second) != plan_digest(first)
