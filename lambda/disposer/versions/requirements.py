"""Reading a dependency's version requirement in its format's rules: npm ranges, PyPI specifiers, Maven versions
and ranges, NuGet ranges. Other formats have no requirement rules: their requirements cannot be told."""

import functools

from disposer.model.packages import PackageFormat
from disposer.versions.order import scheme
from disposer.versions.scheme import Requirement


@functools.lru_cache(maxsize=4096)
def requirement(fmt: PackageFormat, text: str | None) -> Requirement | None:
    """`text` read as a requirement of `fmt`; None when it cannot be told: no text, text that is not a range in
    the format (an npm dist-tag or URL, a Maven property), or a format without requirement rules. The caller
    keeps what it cannot tell; a requirement read but met by no version present keeps nothing."""
    reader = scheme(fmt).requirement
    return None if text is None or reader is None else reader(text)


def satisfies(fmt: PackageFormat, text: str | None, version: str) -> bool | None:
    """Whether `version` meets the requirement `text` in `fmt`'s rules; None if either cannot be read."""
    read = requirement(fmt, text)
    return None if read is None else read.satisfies(version)
