"""The CodeArtifact adapter: the client, its pacing, disposal calls and value types."""
