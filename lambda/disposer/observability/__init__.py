"""The one Logger, Tracer and Metrics of the function, created once per execution environment."""

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

from disposer.constants import METRICS_NAMESPACE, SERVICE_NAME
from disposer.version import __version__

# Every record names the code that wrote it: a key given here, unlike one appended later, survives the handlers'
# clear_state. Not "version": audit records use that for the package version they act on.
logger = Logger(service=SERVICE_NAME, service_version=__version__)
tracer = Tracer(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)

# Requests that change nothing (a 4xx, a dry run, the OpenAPI document) rightly emit no metric;
# Powertools would warn about each one in the function's log.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
