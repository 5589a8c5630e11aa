"""The ERP for opsbot: one port, a Tryton and an Odoo adapter, the tools built on them, and their units."""

from __future__ import annotations

from integrations.erp.erp_tools import erp_tools
from integrations.erp.odoo import Odoo
from integrations.erp.port import ErpPort
from integrations.erp.tryton import Tryton

__all__ = ["ErpPort", "Odoo", "Tryton", "erp_tools"]
