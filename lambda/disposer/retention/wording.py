"""How the engine's reasons say things, shared by its modules."""


def days(count: int | None) -> str:
    return "1 day" if count == 1 else f"{count} days"
