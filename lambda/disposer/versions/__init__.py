"""Version order and dependency requirements per package format, read by each ecosystem's own rules (through
well-kept libraries: node-semver, packaging, univers). Pure: no I/O, no AWS SDK. docs/versions.md says which
library reads which format, and why."""

from disposer.versions.order import VersionKey, VersionOrder, line, version_key
from disposer.versions.requirements import requirement, satisfies
from disposer.versions.scheme import Requirement

__all__ = ["Requirement", "VersionKey", "VersionOrder", "line", "requirement", "satisfies", "version_key"]
