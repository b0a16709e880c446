"""Least-privilege CodeArtifact IAM statements built from the configured domain and repositories."""

from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam

# Exactly the calls the Lambda's CodeArtifact gateway makes; the writes are DisposePackageVersions and,
# for quarantine, UpdatePackageVersionsStatus (to Archived only: the code sends no other target).
# Both functions plan (list, describe where an age decides, read what remaining versions depend on) and
# write: the run function inline for the API, the steps function a shard's plan and a part's disposals for
# the run workflow.
RUN_PACKAGE_ACTIONS = (
    "codeartifact:DisposePackageVersions",
    "codeartifact:UpdatePackageVersionsStatus",
    "codeartifact:ListPackageVersions",
    "codeartifact:DescribePackageVersion",
    "codeartifact:ListPackageVersionDependencies",
)
# BytesReclaimed: the assets of each version, listed before it is disposed (measureBytes only).
MEASURE_ACTIONS = ("codeartifact:ListPackageVersionAssets",)
REPOSITORY_ACTIONS = ("codeartifact:ListPackages",)
# A policy whose repository is a glob (or omitted) lists the domain's repositories to expand it.
DOMAIN_ACTIONS = ("codeartifact:ListRepositoriesInDomain",)
WRITE_ACTIONS = ("codeartifact:DisposePackageVersions", "codeartifact:UpdatePackageVersionsStatus")


def codeartifact_arn(stack: Stack, *, owner: str, resource: str, name: str) -> str:
    """arn:{partition}:codeartifact:{region}:{owner}:{resource}/{name} (the documented ARN formats)."""
    return stack.format_arn(
        service="codeartifact",
        account=owner,
        resource=resource,
        resource_name=name,
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


def package_actions(base: Sequence[str], *, measure_bytes: bool) -> list[str]:
    """`base` plus ListPackageVersionAssets when the function measures the bytes it reclaims."""
    return [*base, *(MEASURE_ACTIONS if measure_bytes else ())]


def codeartifact_statements(
    stack: Stack,
    *,
    domain: str,
    domain_owner: str,
    repositories: Sequence[str],
    actions: Sequence[str],
) -> list[iam.PolicyStatement]:
    """Statements scoped to one domain and the given repository names or globs (IAM wildcards).

    `actions` on the repositories' packages, and listing the packages of those repositories and the
    domain's repositories (what planning needs).
    """
    # Package ARNs are package/{domain}/{repo}/{format}/{namespace}/{name}; the trailing `*` spans
    # every format, namespace and name inside the repository, never another repository.
    packages = [
        codeartifact_arn(stack, owner=domain_owner, resource="package", name=f"{domain}/{repo}/*")
        for repo in repositories
    ]
    statements = [iam.PolicyStatement(sid="DisposeAndReadPackageVersions", actions=list(actions), resources=packages)]
    repos = [
        codeartifact_arn(stack, owner=domain_owner, resource="repository", name=f"{domain}/{repo}")
        for repo in repositories
    ]
    # The domain ARN carries the owner in the account field: domain/{domain}, not domain/{owner}/{domain}.
    domain_arn = codeartifact_arn(stack, owner=domain_owner, resource="domain", name=domain)
    return [
        *statements,
        iam.PolicyStatement(sid="ReadRepositories", actions=list(REPOSITORY_ACTIONS), resources=repos),
        iam.PolicyStatement(sid="ReadDomain", actions=list(DOMAIN_ACTIONS), resources=[domain_arn]),
    ]
