"""Everything opsbot shows in Slack, built with slack_sdk's Block Kit models: cards, results, errors, modals,
trigger cards and runbook reports. Outside text is escaped here. Imports the core and the approval rules only."""
