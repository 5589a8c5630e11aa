"""Use cases: an accepted event becomes a reply, a run, a decision or a proposal (service), once the one
installation check passed (installation_gate); read-only commands, scoped to the channel asked in (queries); button
clicks routed to the decider, the editor or recovery (click_routes)."""
