"""Fixtures for the CDK tests: stacks synthesized once per session, without asset bundling."""

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.stack import DisposerStack
from tests.infra.cdk_testkit import (
    OPERATOR_ROLE_ARNS,
    TUNED_NOTIFY_EMAIL,
    TUNED_USAGE_TRAIL,
    VARIANT_CONTEXT,
    synth_stack,
)


@pytest.fixture(scope="session")
def default_stack() -> tuple[cdk.App, DisposerStack]:
    """The stack cdk.json describes (domain acme, owner 111122223333, releases + snapshots)."""
    return synth_stack()


@pytest.fixture(scope="session")
def template(default_stack: tuple[cdk.App, DisposerStack]) -> Template:
    return Template.from_stack(default_stack[1])


@pytest.fixture(scope="session")
def variant_stack() -> tuple[cdk.App, DisposerStack]:
    return synth_stack(VARIANT_CONTEXT)


@pytest.fixture(scope="session")
def variant_template(variant_stack: tuple[cdk.App, DisposerStack]) -> Template:
    return Template.from_stack(variant_stack[1])


# Every workflow and pacing key away from its default: 20 shards planned and 5 parts applied at once, a
# quarter of each quota, 4 threads, bytes measured, run files kept 30 days, two operator roles that may
# read them, run notifications mailed, and downloads recorded from a trail (the usage recorder deployed).
TUNED_CONTEXT = {
    "planConcurrency": 20,
    "workerConcurrency": 5,
    "quotaShare": 0.25,
    "threads": 4,
    "measureBytes": True,
    "reportsRetentionDays": 30,
    "operatorRoleArns": list(OPERATOR_ROLE_ARNS),
    "notifyEmail": TUNED_NOTIFY_EMAIL,
    "usageTrail": dict(TUNED_USAGE_TRAIL),
}


@pytest.fixture(scope="session")
def tuned_stack() -> tuple[cdk.App, DisposerStack]:
    return synth_stack(TUNED_CONTEXT)


@pytest.fixture(scope="session")
def tuned_template(tuned_stack: tuple[cdk.App, DisposerStack]) -> Template:
    return Template.from_stack(tuned_stack[1])
