"""The run search language: filter and order_by strings parsed into a typed AST and compiled
to SQLAlchemy (see ``parser`` for the grammar and the meaning of missing values)."""

from runway_core.search.ast import Expr
from runway_core.search.order import OrderKey, parse_order_by
from runway_core.search.parser import parse_filter

__all__ = ["Expr", "OrderKey", "parse_filter", "parse_order_by"]
