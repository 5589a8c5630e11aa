"""Our fakes' payloads validated against the published schemas from packages (githubkit, slack_sdk, openai)."""
