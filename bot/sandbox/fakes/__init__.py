"""Loopback fakes of Slack and GitHub (shared by the sandbox and the tests), built from recorded payloads."""
