"""Value shapes several context keys share: a list given as comma-separated text, and a list without repeats."""


def split_names(value: object) -> object:
    """`cdk synth -c repositories=releases,snapshots` passes a plain string: split it at commas."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def dedupe(names: tuple[str, ...]) -> tuple[str, ...]:
    """Each name once, in the order first given."""
    return tuple(dict.fromkeys(names))
