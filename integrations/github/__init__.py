"""GitHub for opsbot: a PyGithub-backed gateway and the tools built on it."""

from integrations.github.gateway import GitHubGateway
from integrations.github.github_tools import github_tools

__all__ = ["GitHubGateway", "github_tools"]
