"""Reading a dependency's version requirement in its format's rules: npm ranges, PyPI specifiers, Maven versions
and ranges, NuGet ranges. Other formats have no requirement rules: their requirements cannot be told."""

import functools

from disposer.model.packages import PackageFormat
from disposer.versions.order import scheme
from disposer.versions.scheme import Requirement

# Far past any real range (npm's longest in the wild are a few hundred characters); longer text is not read.
MAX_REQUIREMENT_CHARS = 1024


@functools.lru_cache(maxsize=4096)
def requirement(fmt: PackageFormat, text: str | None) -> Requirement | None:
    """`text` read as a requirement of `fmt`; None when it cannot be told: no text, text that is not a range in
    the format (an npm dist-tag or URL, a Maven property), or a format without requirement rules. The caller
    keeps what it cannot tell; a requirement read but met by no version present keeps nothing."""
    reader = scheme(fmt).requirement
    if text is None or reader is None or len(text) > MAX_REQUIREMENT_CHARS:
        return None
    try:
        return reader(text)
    except (ValueError, RecursionError, OverflowError, TypeError):
        # Whatever a library makes of hostile text (a range nested a thousand deep, a number of 5,000 digits),
        # the requirement cannot be told: the caller keeps what it could mean.
        return None


def satisfies(fmt: PackageFormat, text: str | None, version: str) -> bool | None:
    """Whether `version` meets the requirement `text` in `fmt`'s rules; None if either cannot be read."""
    read = requirement(fmt, text)
    return None if read is None else read.satisfies(version)
