"""The deployment's scope: the domain, its owner and the repositories (names or globs) it may touch.

Checked before any AWS call (IAM would refuse too, later and less clearly): a request outside the
scope is 403 OutOfScope, never a silent empty plan.
"""

from dataclasses import dataclass

from disposer.errors import OutOfScopeError
from disposer.retention.patterns import glob_matches
from disposer.retention.policy import RetentionPolicy
from disposer.settings import Settings


@dataclass(frozen=True, slots=True)
class Scope:
    """Unset parts allow everything (local runs)."""

    domain: str | None = None
    domain_owner: str | None = None
    repositories: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: Settings) -> "Scope":
        return cls(settings.domain, settings.domain_owner, settings.repositories)

    def allows_repository(self, repository: str) -> bool:
        # The same glob dialect as policies (only * and ?), so scope and selectors never disagree.
        return not self.repositories or any(glob_matches(glob, repository) for glob in self.repositories)

    def check_domain(self, *, domain: str, domain_owner: str | None) -> None:
        if self.domain is not None and domain != self.domain:
            raise OutOfScopeError(f"domain '{domain}' is not managed by this deployment (it manages '{self.domain}')")
        if self.domain_owner is not None and domain_owner is not None and domain_owner != self.domain_owner:
            raise OutOfScopeError(f"domainOwner '{domain_owner}' is not managed by this deployment")

    def check(self, *, domain: str, domain_owner: str | None, repository: str | None) -> None:
        """Refuse what the deployment is not meant to manage; a repository of None (a policy's glob, narrowed
        to the managed ones when listed) is not checked."""
        self.check_domain(domain=domain, domain_owner=domain_owner)
        if repository is not None and not self.allows_repository(repository):
            raise OutOfScopeError(
                f"repository '{repository}' is not managed by this deployment "
                f"(it manages {', '.join(self.repositories)})"
            )

    def check_policy(self, policy: RetentionPolicy) -> None:
        """Refuse a policy whose domain, owner or literal repository the deployment does not manage."""
        self.check(domain=policy.domain, domain_owner=policy.domain_owner, repository=policy.literal_repository)
