"""Where the outside world comes in: the HTTP edge (web: signature first, then the body's shape, slack_gate and
slack_shapes; never a 5xx for what a sender sent), the GitHub and Alertmanager webhooks (web_hooks, hook_events,
hook_shapes), bounded JSON (bounded_json), the access log (paths only), request signing, and the durable inbox
worker."""
