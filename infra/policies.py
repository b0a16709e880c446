"""The retention policies file, validated at synth by the Lambda's own loader and checked against the config."""

from fnmatch import fnmatchcase

from disposer.errors import PolicyError
from disposer.retention.loader import load_policies
from disposer.retention.patterns import is_glob
from disposer.retention.policy import RetentionPolicy
from infra.config import ConfigError, DisposerConfig
from infra.constants import REPO_ROOT
from infra.schedules import INPUT_TEMPLATE_MAX_LENGTH, run_event_template


class PolicyFileError(ConfigError):
    """The policies file is missing or holds a policy this deployment cannot run."""


def _scope_problems(index: int, policy: RetentionPolicy, config: DisposerConfig) -> list[str]:
    """What the function would refuse on every run of `policy` (disposer.safety.scope.Scope.check), found now."""
    where = f"policies[{index}] ({policy.name})"
    problems = []
    if policy.domain != config.domain:
        problems.append(f"{where}: domain: '{policy.domain}' is not this deployment's domain '{config.domain}'")
    if policy.domain_owner and config.domain_owner and policy.domain_owner != config.domain_owner:
        problems.append(
            f"{where}: domainOwner: '{policy.domain_owner}' is not this deployment's domainOwner "
            f"'{config.domain_owner}'"
        )
    # A glob may overlap the configured repositories partly; the function narrows it at run time.
    if (
        policy.repository is not None
        and not is_glob(policy.repository)
        and not any(fnmatchcase(policy.repository, allowed) for allowed in config.repositories)
    ):
        problems.append(
            f"{where}: repository: '{policy.repository}' is not among this deployment's repositories "
            f"({', '.join(config.repositories)})"
        )
    # keep.downloadedWithinDays reads the downloads the usage recorder keeps: without a trail, none are ever kept,
    # every hour is a gap, and the policy would keep every candidate forever.
    if config.usage_trail is None and policy.keep.downloaded_within_days is not None:
        problems.append(
            f"{where}: keep.downloadedWithinDays needs the usage recorder: set the usageTrail context key to the "
            "CloudTrail trail's bucket (docs/deploy.md, section Keeping what is downloaded)"
        )
    if policy.schedule is not None and (length := len(run_event_template(policy))) > INPUT_TEMPLATE_MAX_LENGTH:
        problems.append(
            f"{where}: its scheduled run event is {length} characters; EventBridge input templates allow "
            f"{INPUT_TEMPLATE_MAX_LENGTH} (shorten its patterns)"
        )
    return problems


def load_policy_file(config: DisposerConfig) -> tuple[RetentionPolicy, ...]:
    """Load the file named by the `policiesFile` context key; raise PolicyFileError naming policy and field."""
    path = config.policies_path
    if not path.is_file():
        raise PolicyFileError(
            f"policies file not found: {path} (context key 'policiesFile' = '{config.policies_file}', relative to "
            f'{REPO_ROOT}); create it, e.g. {{"policies": []}}, or point policiesFile at one'
        )
    try:
        policies = load_policies(path)
    except PolicyError as error:
        raise PolicyFileError(f"invalid policies file {path} (context key 'policiesFile'):\n{error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyFileError(f"cannot read policies file {path} (context key 'policiesFile'): {error}") from None
    problems = [problem for index, policy in enumerate(policies) for problem in _scope_problems(index, policy, config)]
    if problems:
        raise PolicyFileError(f"invalid policies file {path} (context key 'policiesFile'):\n" + "\n".join(problems))
    return policies
