"""Large plans made without CodeArtifact: for what the CLI shows of a plan of any size."""

from datetime import UTC, datetime, timedelta

from disposer.model.packages import PackageFormat, PackageRef, PackageVersionStatus
from disposer.model.plans import Action, PackagePlan, Plan, PlanItem, Rule
from disposer.model.runs import RunContext
from disposer.pages.view import ItemKey, PlanView
from disposer.runs.report import RunReport
from disposer_cli.view import whole_body

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def large_report(
    *, packages: int, versions: int, kept: int, not_candidates: int = 0
) -> tuple[RunReport, dict[ItemKey, datetime]]:
    """A plan of `packages` packages with `versions` versions in all: in each package the newest are kept
    (`kept` in all), the oldest `not_candidates` (in all) already Disposed, the rest disposed; and the
    publish times of the kept versions (the ones a run would have described), one day apart."""
    per_package, kept_each, gone_each = versions // packages, kept // packages, not_candidates // packages
    plans = []
    published: dict[ItemKey, datetime] = {}
    for p in range(packages):
        ref = PackageRef("acme", "111122223333", "releases", PackageFormat.NPM, "acme", f"pkg-{p:02d}")
        items = []
        for v in range(per_package):
            version = f"1.0.{per_package - v}"
            if v < kept_each:
                status, action, rule, reason = "Published", Action.KEEP, Rule.KEEP_LATEST, "kept: latest"
                published[("releases", "npm", "acme", ref.package, version)] = AS_OF - timedelta(days=v + 1)
            elif v >= per_package - gone_each:
                status, action, rule, reason = "Disposed", Action.KEEP, Rule.NOT_SELECTED_STATUS, "not selected"
            else:
                status, action, rule, reason = "Published", Action.DISPOSE, Rule.DISPOSE_OLDER_THAN, "dispose: old"
            items.append(PlanItem(ref, version, f"r{v}", PackageVersionStatus(status), action, rule, reason))
        plans.append(PackagePlan(ref, tuple(items)))
    context = RunContext(run_id="run-1", trigger="cli", caller="cli:test", dry_run=True, policy="prune-big")
    plan = Plan(policy="prune-big", as_of=AS_OF, packages=tuple(plans))
    return RunReport(context=context, plan=plan, cap=100_000, max_percent=100), published


def large_view(**sizes: int) -> PlanView:
    report, published = large_report(**sizes)
    return PlanView(whole_body(report), published, "acme", "111122223333")
