"""Recursive-descent parser of search filters into the typed AST of ``runway_core.search.ast``.

    filter     := or_expr EOF
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | predicate
    predicate  := FIELD ( OP value
                        | ["not"] "in" "(" value ("," value)* ")"
                        | ["not"] ("like" | "ilike") STRING
                        | "is" ["not"] "null" )
    value      := STRING | NUMBER | "true" | "false"      (true/false are the text 'true'/'false')

Keywords are case-insensitive. A comparison with a run that lacks the metric, param or tag is
false (even ``!=``, ``NOT IN`` and ``NOT LIKE``, as with SQL NULL); ``not (…)`` negates the
whole condition, so ``not tags.stage = 'dev'`` also matches runs without the tag.
"""

from __future__ import annotations

from runway_core.errors import InvalidFilter
from runway_core.search.ast import (
    And,
    CompareOp,
    Comparison,
    Expr,
    Field,
    InList,
    IsNull,
    Like,
    Not,
    Or,
    Predicate,
    Value,
)
from runway_core.search.fields import check_like, check_value, resolve_field
from runway_core.search.lexer import Kind, Lexer, Token, filter_error

MAX_FILTER_LENGTH = 100_000
MAX_DEPTH = 100
MAX_IN_VALUES = 1000
# Every value is a bound parameter of the one search statement: all of them together stay well
# under SQLite's 32,766 and PostgreSQL's 65,535 bound values per statement.
MAX_VALUES = 10_000
# SQLite refuses expressions deeper than 1000 nodes, and a chain of N conditions is N deep.
MAX_CONDITIONS = 250
_NORMAL_OPS: dict[str, CompareOp] = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_FIELD_HINT = "a field (metrics.<key>, params.<key>, tags.<key> or attributes.<name>)"
_OPERATOR_HINT = "an operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS)"


def parse_filter(text: str | None) -> Expr | None:
    """Parse a filter; ``None`` for an empty one. Raises ``InvalidFilter`` with the position."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter(
            f"filter: {len(text)} characters is longer than the limit of {MAX_FILTER_LENGTH}",
            position=MAX_FILTER_LENGTH,
            field="filter",
        )
    return _Parser(Lexer(text).tokens()).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.conditions = 0
        self.values = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not Kind.EOF:
            self.i += 1
        return tok

    def is_word(self, *words: str) -> bool:
        return self.tok.kind is Kind.WORD and self.tok.value in words

    def parse(self) -> Expr:
        expr = self.or_expr()
        tok = self.tok
        if tok.kind is Kind.RPAREN:
            raise filter_error("unexpected ')' without a matching '('", tok.position)
        if tok.kind is not Kind.EOF:
            raise filter_error(
                f"expected 'and', 'or' or the end of the filter, found {tok.describe()}",
                tok.position,
            )
        return expr

    def or_expr(self) -> Expr:
        start = self.tok.position
        operands = [self.and_expr()]
        while self.is_word("or"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands), start)

    def and_expr(self) -> Expr:
        start = self.tok.position
        operands = [self.not_expr()]
        while self.is_word("and"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands), start)

    def not_expr(self) -> Expr:
        tok = self.tok
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise filter_error(f"the filter nests deeper than {MAX_DEPTH} levels", tok.position)
        try:
            if self.is_word("not"):
                self.advance()
                return Not(self.not_expr(), tok.position)
            if tok.kind is Kind.LPAREN:
                self.advance()
                inner = self.or_expr()
                if self.tok.kind is not Kind.RPAREN:
                    raise filter_error(
                        f"expected ')' to close the '(' at column {tok.position}, "
                        f"found {self.tok.describe()}",
                        self.tok.position,
                    )
                self.advance()
                return inner
            return self.predicate()
        finally:
            self.depth -= 1

    def predicate(self) -> Predicate:
        tok = self.tok
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise filter_error(
                f"the filter has more than {MAX_CONDITIONS} conditions",
                tok.position,
                hint="use IN (…) for many values of one field",
            )
        if tok.kind is not Kind.FIELD:
            raise self._expected_field(tok)
        self.advance()
        field = resolve_field(tok)
        op_tok = self.tok
        if op_tok.kind is Kind.OP:
            self.advance()
            op = _NORMAL_OPS[op_tok.text]
            value = self.value(f"after '{op_tok.text}'")
            return Comparison(field, op, check_value(field, value, op), op_tok.position)
        negated = False
        if self.is_word("not"):
            self.advance()
            negated = True
            if not self.is_word("in", "like", "ilike"):
                raise filter_error(
                    f"expected IN, LIKE or ILIKE after NOT, found {self.tok.describe()}",
                    self.tok.position,
                )
        if self.is_word("in"):
            self.advance()
            return InList(field, self.value_list(field), negated, op_tok.position)
        if self.is_word("like", "ilike"):
            keyword = self.advance()
            pattern = self.value(f"after {keyword.text.upper()}")
            check_like(field, pattern, keyword.text.upper(), keyword.position)
            return Like(field, pattern, keyword.value == "ilike", negated, op_tok.position)
        if self.is_word("is"):
            self.advance()
            is_not = False
            if self.is_word("not"):
                self.advance()
                is_not = True
            if not self.is_word("null"):
                raise filter_error(
                    f"expected NULL after IS{' NOT' if is_not else ''}, found "
                    f"{self.tok.describe()}",
                    self.tok.position,
                )
            self.advance()
            return IsNull(field, is_not, op_tok.position)
        raise filter_error(
            f"expected {_OPERATOR_HINT} after {tok.text}, found {op_tok.describe()}",
            op_tok.position,
        )

    def value(self, context: str) -> Value:
        tok = self.tok
        self.values += 1
        if self.values > MAX_VALUES:
            raise filter_error(
                f"the filter holds more than {MAX_VALUES} values in all", tok.position
            )
        if tok.kind in (Kind.STRING, Kind.NUMBER):
            self.advance()
            assert tok.value is not None  # STRING and NUMBER tokens always carry one
            return Value(tok.value, tok.text, tok.position)
        if tok.kind is Kind.WORD and tok.value in ("true", "false"):
            # Boolean params are stored with the text 'true' / 'false'.
            self.advance()
            return Value(str(tok.value), tok.text, tok.position)
        if tok.kind is Kind.EOF:
            raise filter_error(f"expected a value {context}", tok.position)
        hint = ""
        if tok.kind in (Kind.WORD, Kind.FIELD):
            hint = f"quote text values, as in '{tok.text}'"
            if tok.kind is Kind.WORD and tok.value == "null":
                hint = "use IS NULL or IS NOT NULL"
        raise filter_error(
            f"expected a value (a number or a quoted string) {context}, found {tok.describe()}",
            tok.position,
            hint=hint,
        )

    def value_list(self, field: Field) -> tuple[Value, ...]:
        if self.tok.kind is not Kind.LPAREN:
            raise filter_error(
                f"expected '(' after IN, found {self.tok.describe()}", self.tok.position
            )
        self.advance()
        values = [check_value(field, self.value("in the IN list"), "in")]
        while self.tok.kind is Kind.COMMA:
            comma = self.advance()
            if len(values) == MAX_IN_VALUES:
                raise filter_error(
                    f"an IN list holds at most {MAX_IN_VALUES} values", comma.position
                )
            values.append(check_value(field, self.value("after ','"), "in"))
        if self.tok.kind is not Kind.RPAREN:
            raise filter_error(
                f"expected ',' or ')' in the IN list, found {self.tok.describe()}",
                self.tok.position,
            )
        self.advance()
        return tuple(values)

    @staticmethod
    def _expected_field(tok: Token) -> InvalidFilter:
        if tok.kind is Kind.WORD and tok.value not in ("and", "or", "not", "in", "like", "is"):
            return filter_error(
                f"expected {_FIELD_HINT}, found {tok.describe()}",
                tok.position,
                hint=f"fields need a prefix, as in metrics.{tok.text} or params.{tok.text}",
            )
        return filter_error(f"expected {_FIELD_HINT} or '(', found {tok.describe()}", tok.position)
