"""External systems as units (unit.py): GitHub, the ERP (Tryton, Odoo), Slack and OpenAI. Each imports only bot.core:
its settings section, secrets, tools and probe are declared in its unit and listed in bot.app.units."""
