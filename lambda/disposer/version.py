"""The version of the function and the CLI: the one place it is written (pyproject reads it; no imports here)."""

__version__ = "1.1.0"
