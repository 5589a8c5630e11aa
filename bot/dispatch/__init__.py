"""Use cases: an accepted event becomes a reply, a run, a decision or a proposal (service); read-only commands
(queries); button clicks routed to the decider, the editor or recovery (click_routes)."""
