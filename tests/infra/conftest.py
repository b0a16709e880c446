"""Fixtures for the CDK tests: stacks synthesized once per session, without asset bundling."""

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.stack import DisposerStack
from tests.infra.cdk_testkit import VARIANT_CONTEXT, synth_stack


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


@pytest.fixture(scope="session")
def inline_stack() -> tuple[cdk.App, DisposerStack]:
    """The stack with fanOut false: no work queue, run table or worker; runs apply inline."""
    return synth_stack({"fanOut": False})


@pytest.fixture(scope="session")
def inline_template(inline_stack: tuple[cdk.App, DisposerStack]) -> Template:
    return Template.from_stack(inline_stack[1])


# Every fan-out and pacing key away from its default.
TUNED_CONTEXT = {"workerConcurrency": 5, "quotaShare": 0.25, "threads": 4, "measureBytes": True}


@pytest.fixture(scope="session")
def tuned_template() -> Template:
    """The stack with workerConcurrency 5, quotaShare 0.25, threads 4 and measureBytes true."""
    return Template.from_stack(synth_stack(TUNED_CONTEXT)[1])
