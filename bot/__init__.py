"""opsbot: a Slack-native ChatOps agent. Layers, bottom to top: core, integrations, approvals, store, slack_ui,
orchestration, triggers, dispatch, edges (and handlers/), app, sandbox; a module imports only from its own layer
and those below (tests/unit/test_layers.py)."""
