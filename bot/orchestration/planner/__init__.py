"""Planners that turn a request into tool calls: the command grammar (no model needed)."""
