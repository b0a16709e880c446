"""The plan digest: what a reviewer approved, so an apply can refuse a plan that has changed since.

Computed from the plan's writes alone (every dispose and archive item: package, version, revision,
status, action, and the status the write is pinned to), in a canonical order: a plan that keeps more or
less for other reasons but writes the same versions, pinned the same way, has the same digest. Opaque
to callers; `v1:` names this recipe.
"""

import hashlib
import json

from disposer.retention.plan import Plan

DIGEST_VERSION = "v1"


def plan_digest(plan: Plan) -> str:
    writes = sorted(
        [
            item.ref.domain,
            item.ref.domain_owner or "",
            item.ref.repository,
            str(item.ref.format),
            item.ref.namespace or "",
            item.ref.package,
            item.version,
            item.revision or "",
            str(item.status or ""),
            str(item.action),
            str(item.expected_status or ""),
        ]
        for item in plan.changes
    )
    canonical = json.dumps(writes, separators=(",", ":"), ensure_ascii=True)
    return f"{DIGEST_VERSION}:{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"
