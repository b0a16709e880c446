"""CDK app entry point: builds the disposal stack from the cdk.json context, checked by cdk-nag."""

import sys

import aws_cdk as cdk

from infra.config import ConfigError
from infra.stack import build_app

app = cdk.App()
try:
    build_app(app)
except ConfigError as error:
    sys.exit(f"error: {error}")
app.synth()
