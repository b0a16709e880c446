"""Deploy configuration: the cdk.json example is valid, bad context fails with the key named."""

from typing import Any

import pytest

from infra.config import ConfigError, parse_config
from infra.stack import build_app
from tests.infra.cdk_testkit import cdk_json_context, make_app

VALID: dict[str, Any] = {"domain": "acme", "repositories": ["releases"]}


def test_parse_config_cdk_json_example_returns_example_values():
    # GIVEN the context block shipped in cdk.json (feature flags are not config keys)
    context = {key: value for key, value in cdk_json_context().items() if not key.startswith("@")}

    # WHEN it is parsed
    config = parse_config(context)

    # THEN it is the documented example
    assert config.domain == "acme"
    assert config.domain_owner == "111122223333"
    assert config.repositories == ("releases", "snapshots")
    assert config.log_retention_days == 30
    assert config.audit_log_retention_days == 365
    assert config.alarm_email is None
    assert (config.plan_concurrency, config.worker_concurrency, config.quota_share) == (10, 2, 0.5)
    assert (config.threads, config.measure_bytes) == (8, False)


@pytest.mark.parametrize("domain", ["Acme", "a", "-acme", "acme-", "acme_corp", "x" * 51])
def test_parse_config_bad_domain_raises_naming_domain(domain: str):
    # GIVEN a domain name CodeArtifact would reject
    context = {**VALID, "domain": domain}

    # WHEN / THEN the error names the context key and the offending value
    with pytest.raises(ConfigError, match=r"context key 'domain': .*" + repr(domain)[:10]):
        parse_config(context)


@pytest.mark.parametrize("owner", ["12345", "abcdefghijkl", "1111-2222-3333", "1111222233334"])
def test_parse_config_bad_owner_raises_naming_domain_owner(owner: str):
    # GIVEN a domain owner that is not a 12-digit account id
    context = {**VALID, "domainOwner": owner}

    # WHEN / THEN
    with pytest.raises(ConfigError, match=r"context key 'domainOwner': String should match pattern"):
        parse_config(context)


@pytest.mark.parametrize("repositories", [[], "", " , "])
def test_parse_config_empty_repositories_raises_naming_repositories(repositories: Any):
    # GIVEN no repository at all (the service would have nothing it may touch)
    context = {**VALID, "repositories": repositories}

    # WHEN / THEN
    with pytest.raises(ConfigError, match=r"context key 'repositories': .*at least 1 item"):
        parse_config(context)


def test_parse_config_bad_repository_raises_naming_its_index():
    # GIVEN a repository entry with a character neither CodeArtifact nor IAM globs accept
    context = {**VALID, "repositories": ["releases", "snap[0-9]"]}

    # WHEN / THEN the list index is part of the key
    with pytest.raises(ConfigError, match=r"context key 'repositories\[1\]'"):
        parse_config(context)


def test_parse_config_missing_domain_says_required():
    # GIVEN a context without the required domain
    context = {"repositories": ["releases"]}

    # WHEN / THEN
    with pytest.raises(ConfigError, match=r"context key 'domain' is required"):
        parse_config(context)


def test_parse_config_comma_separated_repositories_splits_and_dedupes():
    # GIVEN repositories as `cdk synth -c repositories=...` passes them: one string
    context = {**VALID, "repositories": "releases, snapshots-*,releases"}

    # WHEN
    config = parse_config(context)

    # THEN
    assert config.repositories == ("releases", "snapshots-*")


def test_parse_config_unsupported_retention_lists_allowed_values():
    # GIVEN a retention CloudWatch Logs does not offer
    context = {**VALID, "logRetentionDays": 31}

    # WHEN / THEN
    with pytest.raises(ConfigError, match=r"'logRetentionDays': .*retention periods \[1, 3, 5, 7, 14, 30"):
        parse_config(context)


def test_parse_config_audit_retention_defaults_to_a_year_and_is_separate():
    # GIVEN no auditLogRetentionDays, then one set apart from logRetentionDays
    # WHEN / THEN the audit trail defaults to a year, whatever the API logs keep
    default = parse_config({**VALID, "logRetentionDays": 7})
    assert (default.audit_log_retention_days, default.log_retention_days) == (365, 7)
    assert parse_config({**VALID, "auditLogRetentionDays": 3653}).audit_log_retention_days == 3653


@pytest.mark.parametrize("days", [0, 364, 366, 5000, "forever"])
def test_parse_config_unsupported_audit_retention_raises_naming_key(days: object):
    # GIVEN an audit retention CloudWatch Logs does not offer
    context = {**VALID, "auditLogRetentionDays": days}

    # WHEN / THEN
    with pytest.raises(ConfigError, match=r"context key 'auditLogRetentionDays'"):
        parse_config(context)


def test_parse_config_alarm_email_absent_or_empty_means_no_subscription():
    # GIVEN no alarmEmail, or `-c alarmEmail=` / WHEN parsed / THEN there is none
    assert parse_config(VALID).alarm_email is None
    assert parse_config({**VALID, "alarmEmail": ""}).alarm_email is None
    assert parse_config({**VALID, "alarmEmail": "oncall+cleanup@ops.example.com"}).alarm_email == (
        "oncall+cleanup@ops.example.com"
    )


@pytest.mark.parametrize(
    "email", ["oncall", "oncall@", "@example.com", "on call@example.com", "a@b@example.com", "oncall@example", 42]
)
def test_parse_config_bad_alarm_email_raises_naming_key(email: object):
    # GIVEN something that is not one e-mail address
    context = {**VALID, "alarmEmail": email}

    # WHEN / THEN
    with pytest.raises(ConfigError, match=r"context key 'alarmEmail'"):
        parse_config(context)


def test_parse_config_reserved_concurrency_false_means_no_reservation():
    # GIVEN reservedConcurrency false (null cannot be told from absent in CDK context)
    context = {**VALID, "reservedConcurrency": False}

    # WHEN / THEN
    assert parse_config(context).reserved_concurrency is None


def test_build_app_bad_context_raises_config_error():
    # GIVEN an app whose cdk.json context has a bad domain owner
    app = make_app({"domainOwner": "not-an-account"})

    # WHEN / THEN building the app (what app.py does) fails before any construct is made
    with pytest.raises(ConfigError, match=r"invalid deploy configuration in cdk.json context: .*'domainOwner'"):
        build_app(app)
    assert app.node.children == []


def test_parse_config_workflow_keys_default_to_the_documented_values():
    # GIVEN none of the workflow and pacing keys / WHEN parsed
    config = parse_config(VALID)

    # THEN 10 shards planned and 2 parts applied at once, half of each quota, 8 threads, bytes not
    # measured; run files kept 90 days, no operator role, no notification mail
    assert (config.plan_concurrency, config.worker_concurrency, config.quota_share) == (10, 2, 0.5)
    assert (config.threads, config.measure_bytes) == (8, False)
    assert (config.reports_retention_days, config.operator_role_arns, config.notify_email) == (90, (), None)
    # AND each invocation takes 1/10 of the share: at most 10 run at once (the shards), never both Maps
    assert config.concurrent_invocations == 10


def test_parse_config_cli_strings_for_workflow_keys_are_converted():
    # GIVEN the keys as `cdk synth -c key=value` passes them: strings
    context = {
        **VALID,
        "planConcurrency": "4",
        "workerConcurrency": "12",
        "quotaShare": "1",
        "measureBytes": "false",
        "reportsRetentionDays": "365",
        "operatorRoleArns": "arn:aws:iam::111122223333:role/Ops, arn:aws:iam::111122223333:role/ops/Audit",
        "notifyEmail": "releases@example.com",
    }

    # WHEN / THEN they are typed, the role list split, and the larger Map sets the pacing
    config = parse_config(context)
    assert (config.plan_concurrency, config.worker_concurrency, config.quota_share) == (4, 12, 1.0)
    assert (config.measure_bytes, config.reports_retention_days) == (False, 365)
    assert config.operator_role_arns == (
        "arn:aws:iam::111122223333:role/Ops",
        "arn:aws:iam::111122223333:role/ops/Audit",
    )
    assert config.notify_email == "releases@example.com"
    assert config.concurrent_invocations == 12


def test_parse_config_no_operator_roles_or_notification_mail_when_empty():
    # GIVEN `-c operatorRoleArns=` and `-c notifyEmail=` / WHEN parsed / THEN neither is set
    config = parse_config({**VALID, "operatorRoleArns": "", "notifyEmail": ""})
    assert (config.operator_role_arns, config.notify_email) == ((), None)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("planConcurrency", 0),
        ("planConcurrency", 101),
        ("workerConcurrency", 0),
        ("workerConcurrency", 1001),  # the handler's settings accept at most 1000 invocations
        ("reportsRetentionDays", 0),
        ("reportsRetentionDays", 3651),
        ("operatorRoleArns", ["arn:aws:iam::111122223333:user/alice"]),
        ("operatorRoleArns", ["arn:aws:iam::1111:role/Ops"]),
        ("operatorRoleArns", ["Ops"]),
        ("notifyEmail", "releases"),
        ("quotaShare", 0),
        ("quotaShare", -0.5),
        ("quotaShare", 1.5),
        ("threads", 0),
        ("threads", 65),
        ("measureBytes", 2),
    ],
)
def test_parse_config_bad_workflow_key_raises_naming_key(key: str, value: object):
    # GIVEN an out-of-range or malformed workflow or pacing value
    context = {**VALID, key: value}

    # WHEN / THEN
    with pytest.raises(ConfigError, match=rf"context key '{key}"):
        parse_config(context)


def test_build_app_retired_fan_out_key_raises_naming_it():
    # GIVEN cdk.json (or -c) still setting fanOut, which the run workflow retired
    app = make_app({"fanOut": False})

    # WHEN / THEN building the app fails saying so, rather than ignoring the key
    with pytest.raises(ConfigError, match=r"context key 'fanOut' is retired: every scheduled and PutEvents run"):
        build_app(app)
    assert app.node.children == []
