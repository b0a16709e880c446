"""The usageTrail context key: an object or its JSON text, each field checked with the key named; and no policy
keeps by downloads without it."""

import json
from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, parse_config
from infra.policies import PolicyFileError
from infra.stack import build_app
from tests.infra.cdk_testkit import make_app

VALID: dict[str, Any] = {"domain": "acme", "repositories": ["releases"]}
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _trail(value: object) -> Any:
    return parse_config({**VALID, "usageTrail": value}).usage_trail


def test_parse_config_usage_trail_absent_false_or_empty_means_none():
    # GIVEN no key, false, or empty text (-c usageTrail=) / WHEN parsed / THEN no trail
    assert parse_config(VALID).usage_trail is None
    assert _trail(False) is None
    assert _trail("") is None


def test_parse_config_usage_trail_json_text_from_the_command_line_equals_the_object():
    # GIVEN the same trail as cdk.json's object and as -c's JSON text
    trail = {
        "bucket": "acme-cloudtrail",
        "prefix": "org",
        "ignorePrincipals": ["arn:aws:sts::111122223333:assumed-role/Scanner/*"],
        "kmsKeyArn": KEY_ARN,
    }
    # WHEN both are parsed / THEN they are the same, every field read
    parsed = _trail(trail)
    assert _trail(json.dumps(trail)) == parsed
    assert (parsed.bucket, parsed.prefix, parsed.kms_key_arn) == ("acme-cloudtrail", "org/", KEY_ARN)
    assert parsed.ignore_principals == ("arn:aws:sts::111122223333:assumed-role/Scanner/*",)
    assert parsed.logs_prefix == "org/AWSLogs/"


@pytest.mark.parametrize(
    ("prefix", "logs_prefix"),
    [
        ("", "AWSLogs/"),
        ("org", "org/AWSLogs/"),
        ("org/", "org/AWSLogs/"),
        ("a/b", "a/b/AWSLogs/"),
        ("a//", "a/AWSLogs/"),
    ],
)
def test_parse_config_usage_trail_prefix_given_as_cloudtrail_shows_it(prefix: str, logs_prefix: str):
    # GIVEN a trail prefix with or without its trailing slash / WHEN parsed / THEN objects are under <prefix>/AWSLogs/
    assert _trail({"bucket": "acme-cloudtrail", "prefix": prefix}).logs_prefix == logs_prefix


def test_parse_config_usage_trail_principals_comma_separated_text_split_and_deduplicated():
    # GIVEN principals as one comma-separated string, one of them twice
    role = "arn:aws:iam::111122223333:role/mirror-?"
    trail = _trail({"bucket": "acme-cloudtrail", "ignorePrincipals": f"{role}, arn:aws:sts::*:assumed-role/S/*,{role}"})
    # WHEN / THEN each is kept once, in order
    assert trail.ignore_principals == (role, "arn:aws:sts::*:assumed-role/S/*")


@pytest.mark.parametrize(
    ("trail", "match"),
    [
        ({}, r"context key 'usageTrail\.bucket' is required"),
        ({"bucket": "Acme_Trail"}, r"'usageTrail\.bucket': .*must be an S3 bucket name: 3 to 63 lowercase"),
        ({"bucket": "ab"}, r"'usageTrail\.bucket': .*must be an S3 bucket name"),
        ({"bucket": "acme..trail"}, r"'usageTrail\.bucket': .*no two adjacent dots"),
        ({"bucket": "192.168.10.12"}, r"'usageTrail\.bucket': .*not an IP address"),
        ({"bucket": "xn--acme"}, r"'usageTrail\.bucket': .*reserves"),
        ({"bucket": "acme-s3alias"}, r"'usageTrail\.bucket': .*reserves"),
        ({"bucket": "acme-trail", "prefix": "/org"}, r"'usageTrail\.prefix': .*must not start with '/'"),
        ({"bucket": "acme-trail", "prefix": "org/*"}, r"'usageTrail\.prefix': .*must not contain '\*' or '\?'"),
        ({"bucket": "acme-trail", "prefix": "org/AWSLogs/"}, r"'usageTrail\.prefix': .*the part before AWSLogs/"),
        ({"bucket": "acme-trail", "prefix": "AWSLogs"}, r"'usageTrail\.prefix': .*the part before AWSLogs/"),
        ({"bucket": "acme-trail", "prefix": "p" * 201}, r"'usageTrail\.prefix': .*at most 200"),
        ({"bucket": "acme-trail", "ignorePrincipals": ["Scanner"]}, r"'usageTrail\.ignorePrincipals\[0\]': .*ARN glob"),
        (
            {"bucket": "acme-trail", "ignorePrincipals": ["arn:aws:iam::111122223333:role/a,b"]},
            r"'usageTrail\.ignorePrincipals\[0\]': .*must not contain ','",
        ),
        (
            {"bucket": "acme-trail", "ignorePrincipals": ["arn:aws:iam::111122223333:role/a b"]},
            r"'usageTrail\.ignorePrincipals\[0\]': .*ARN glob",
        ),
        (
            {"bucket": "acme-trail", "kmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:alias/trail"},
            r"'usageTrail\.kmsKeyArn': .*KMS key ARN.*not an alias",
        ),
        ({"bucket": "acme-trail", "kmsKeyArn": "1234abcd-12ab-34cd-56ef-1234567890ab"}, r"'usageTrail\.kmsKeyArn'"),
        ({"bucket": "acme-trail", "region": "eu-west-1"}, r"'usageTrail\.region': Extra inputs are not permitted"),
        ('{"bucket": "acme-trail"', r"'usageTrail': .*must be a JSON object like"),
        ('["acme-trail"]', r"'usageTrail': .*valid dictionary"),
    ],
)
def test_parse_config_bad_usage_trail_raises_naming_the_field(trail: object, match: str):
    # GIVEN a trail AWS would refuse, or the stack could not turn into an ARN or the recorder's variable
    # WHEN / THEN the error names the context key and the field
    with pytest.raises(ConfigError, match=match):
        _trail(trail)


def test_parse_config_multi_region_key_arn_accepted():
    # GIVEN a multi-Region key's ARN (mrk-) / WHEN parsed / THEN it is a key ARN like any other
    arn = "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    assert _trail({"bucket": "acme-trail", "kmsKeyArn": arn}).kms_key_arn == arn


USAGE_POLICY: dict[str, Any] = {
    "name": "keep-downloaded",
    "domain": "acme",
    "repository": "releases",
    "keep": {"latest": 3, "downloadedWithinDays": 30},
}


def _policies_file(tmp_path: Path) -> str:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"policies": [USAGE_POLICY]}), encoding="utf-8")
    return str(path)


def test_build_app_policy_keeping_by_downloads_without_a_trail_raises(tmp_path: Path):
    # GIVEN a policy with keep.downloadedWithinDays and a deployment without usageTrail
    app = make_app({"policiesFile": _policies_file(tmp_path)})
    # WHEN / THEN synth stops, naming the policy, the field and the key to set, before any construct is made
    with pytest.raises(
        PolicyFileError, match=r"policies\[0\] \(keep-downloaded\): keep\.downloadedWithinDays.*usageTrail"
    ):
        build_app(app)
    assert app.node.children == []


def test_build_app_policy_keeping_by_downloads_with_a_trail_synthesizes(tmp_path: Path):
    # GIVEN the same policy and a trail / WHEN the app is built / THEN it synthesizes with the recorder
    stack = build_app(make_app({"policiesFile": _policies_file(tmp_path), "usageTrail": '{"bucket": "acme-trail"}'}))
    assert stack.usage is not None
