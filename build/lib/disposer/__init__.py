"""CodeArtifact package-version disposal service (Lambda asset)."""
