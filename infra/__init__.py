"""CDK stack and constructs that deploy the CodeArtifact disposal service."""
