"""Event-driven triggers: GitHub and Alertmanager webhooks, HTTP probes, rules and scheduled digests."""
