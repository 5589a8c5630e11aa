"""Where the outside world comes in: the HTTP edge (web: signature first, never a 500 to Slack), the GitHub and
Alertmanager webhooks (web_hooks, hook_events), request signing, and the durable inbox worker."""
