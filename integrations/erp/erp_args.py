"""Argument models of the ERP tools; their JSON schemas are what planners see."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from integrations.erp.port import RequestedLine

CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)
# Bounded so that price times quantity rounds to cents within Decimal's 28 digits (a 5,000-digit price would not)
QUANTITY_MAX = 1_000_000
PRICE_MAX = 1_000_000_000


class OrderArgs(BaseModel):
    model_config = CONFIG

    order: str = Field(min_length=1, max_length=64, description="The sale order number, e.g. `S00042`.")


class ListOrdersArgs(BaseModel):
    model_config = CONFIG

    customer: str | None = Field(None, min_length=1, description="Only this customer's orders (a name).")
    limit: int = Field(10, ge=1, le=50, description="At most this many, newest first.")


class OverdueArgs(BaseModel):
    model_config = CONFIG

    customer: str | None = Field(None, min_length=1, description="Only this customer's invoices (a name).")


class StockArgs(BaseModel):
    model_config = CONFIG

    product: str = Field(min_length=1, max_length=200, description="The product name or code, e.g. `Office Chair`.")


class PartnerArgs(BaseModel):
    model_config = CONFIG

    query: str = Field(min_length=1, max_length=200, description="Part of a customer's or supplier's name, or a code.")


class LineArgs(BaseModel):
    model_config = CONFIG

    product: str = Field(min_length=1, max_length=200, description="The product name or code.")
    quantity: Decimal = Field(gt=0, le=QUANTITY_MAX, description="How many, in the product's purchase unit.")
    unit_price: Decimal | None = Field(
        None, ge=0, le=PRICE_MAX, description="Price per unit; the ERP's cost price for the product if omitted."
    )


class PurchaseRequestArgs(BaseModel):
    """One product (`product`, `quantity`, `unit_price`) or several (`lines`)."""

    model_config = CONFIG

    supplier: str = Field(min_length=1, max_length=200, description="The supplier's name, e.g. `Oakline Supplies`.")
    product: str | None = Field(None, min_length=1, max_length=200, description="The product, for a one-line request.")
    quantity: Decimal | None = Field(None, gt=0, le=QUANTITY_MAX, description="How many, for a one-line request.")
    unit_price: Decimal | None = Field(
        None, ge=0, le=PRICE_MAX, description="Price per unit, for a one-line request (optional)."
    )
    lines: list[LineArgs] = Field(default_factory=list, max_length=50, description="Several lines instead.")

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        single = self.product is not None or self.quantity is not None or self.unit_price is not None
        if single and self.lines:
            raise PydanticCustomError("purchase_lines", "give `product` and `quantity`, or `lines`, not both")
        if not self.lines and (self.product is None or self.quantity is None):
            raise PydanticCustomError("purchase_lines", "give `product` and `quantity` (or `lines`)")
        return self

    def requested(self) -> list[RequestedLine]:
        if self.product is not None and self.quantity is not None:
            return [RequestedLine(product=self.product, quantity=self.quantity, unit_price=self.unit_price)]
        return [RequestedLine(product=x.product, quantity=x.quantity, unit_price=x.unit_price) for x in self.lines]


class PurchaseArgs(BaseModel):
    model_config = CONFIG

    purchase: str = Field(min_length=1, max_length=64, description="The purchase number, e.g. `P00007`.")
