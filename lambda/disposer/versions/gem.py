"""RubyGems versions: univers' port of Gem::Version (RubyGems' own order, not SemVer's: any number of segments,
a letter starting a pre-release, "1.0" equal to "1"). Ruby requirements are not read: no rule keeps a Ruby
dependency."""

from typing import Any

from univers import gem

from disposer.versions.scheme import Scheme, numbered_line


def _rank(text: str) -> Any:
    try:
        return gem.GemVersion(text)
    except gem.InvalidVersionError:
        return None


def _line(text: str, depth: int) -> str | None:
    parsed = _rank(text)
    if parsed is None:
        return None
    numbers, _ = parsed.split_segments()
    return numbered_line(numbers, depth)


RUBY = Scheme(rank=_rank, line=_line)
