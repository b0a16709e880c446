"""Local-only tooling: the CodeArtifact emulator and the demo (never shipped to Lambda)."""
