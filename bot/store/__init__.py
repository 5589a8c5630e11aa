"""The store: SQLAlchemy Core on SQLite or PostgreSQL, behind bot.core.ports.Store and Audit. All SQL lives here;
every state change is a compare-and-set the transition table allows; the audit log is hash-chained."""
