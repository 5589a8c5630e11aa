"""opsbot sandbox: the bot against a local Slack stand-in with a web page, on demo data."""
