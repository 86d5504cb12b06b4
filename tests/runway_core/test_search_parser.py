"""The search language: parse trees, literal handling and error positions."""

from __future__ import annotations

import pytest

from runway_core.errors import InvalidFilter
from runway_core.search.ast import And, Comparison, Field, InList, IsNull, Like, Not, Or, Value
from runway_core.search.order import parse_order_by
from runway_core.search.parser import parse_filter


def cmp(text: str) -> Comparison:
    node = parse_filter(text)
    assert isinstance(node, Comparison), node
    return node


def test_design_example_tree() -> None:
    text = (
        "metrics.val_acc > 0.9 and (params.model = 'svm' or params.C >= 1) and tags.stage != 'dev'"
    )
    assert parse_filter(text) == And(
        (
            Comparison(Field("metric", "val_acc", 0, "last"), ">", Value(0.9, "0.9", 18), 16),
            Or(
                (
                    Comparison(Field("param", "model", 27), "=", Value("svm", "'svm'", 42), 40),
                    Comparison(Field("param", "C", 51), ">=", Value(1, "1", 63), 60),
                ),
                27,
            ),
            Comparison(Field("tag", "stage", 70), "!=", Value("dev", "'dev'", 84), 81),
        ),
        0,
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_empty_filter_is_none(text: str | None) -> None:
    assert parse_filter(text) is None


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    node = parse_filter("tags.a = 'x' or tags.b = 'y' and not tags.c = 'z'")
    assert isinstance(node, Or)
    left, right = node.operands
    assert isinstance(left, Comparison) and left.field.key == "a"
    assert isinstance(right, And)
    assert isinstance(right.operands[1], Not)
    assert right.operands[1].operand.field.key == "c"  # type: ignore[union-attr]


def test_parentheses_override_precedence_and_flatten_chains() -> None:
    node = parse_filter("(tags.a = 'x' or tags.b = 'y') and tags.c = 'z' and tags.d = 'w'")
    assert isinstance(node, And) and len(node.operands) == 3
    assert isinstance(node.operands[0], Or)
    assert parse_filter("((tags.a = 'x'))") == Comparison(
        Field("tag", "a", 2), "=", Value("x", "'x'", 11), 9
    )


def test_keywords_are_case_insensitive() -> None:
    lower = parse_filter("tags.a = 'x' and not tags.b in ('y') or tags.c like 'z%'")
    upper = parse_filter("tags.a = 'x' AND NOT tags.b IN ('y') OR tags.c LIKE 'z%'")
    assert lower == upper


@pytest.mark.parametrize(
    ("op", "normal"),
    [
        ("=", "="),
        ("==", "="),
        ("!=", "!="),
        ("<>", "!="),
        ("<", "<"),
        ("<=", "<="),
        (">", ">"),
        (">=", ">="),
    ],
)
def test_comparison_operators(op: str, normal: str) -> None:
    assert cmp(f"metrics.loss {op} 1").op == normal
    assert cmp(f"metrics.loss{op}1").op == normal  # no spaces needed


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("3", 3),
        ("-3", -3),
        ("+3", 3),
        ("0.25", 0.25),
        ("-0.5", -0.5),
        (".5", 0.5),
        ("1e-3", 0.001),
        ("2.5E+2", 250.0),
        ("-1e3", -1000.0),
        ("12.", 12.0),
    ],
)
def test_numbers(literal: str, value: float) -> None:
    node = cmp(f"metrics.x > {literal}")
    assert node.value.value == value and type(node.value.value) is type(value)
    assert node.value.raw == literal


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("'svm'", "svm"),
        ('"svm"', "svm"),
        ("'it''s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        ("''", ""),
        ("'a and b'", "a and b"),
        ("'été'", "été"),
        ("true", "true"),
        ("FALSE", "false"),
    ],
)
def test_strings(literal: str, value: str) -> None:
    assert cmp(f"params.model = {literal}").value.value == value


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("metrics.acc", Field("metric", "acc", 0, "last")),
        ("metric.acc", Field("metric", "acc", 0, "last")),
        ("metrics.val.acc", Field("metric", "val.acc", 0, "last")),
        ("metrics.acc.max", Field("metric", "acc", 0, "max")),
        ("metrics.acc.MIN", Field("metric", "acc", 0, "min")),
        ("metrics.val.acc.last", Field("metric", "val.acc", 0, "last")),
        ("metrics.acc.count", Field("metric", "acc", 0, "count")),
        ("metrics.max", Field("metric", "max", 0, "last")),
        ("metrics.`val/acc`.max", Field("metric", "val/acc", 0, "max")),
        ("metrics.`acc.max`", Field("metric", "acc.max", 0, "last")),
        ('metrics."val acc".min', Field("metric", "val acc", 0, "min")),
        ("metrics.val/acc", Field("metric", "val/acc", 0, "last")),
        ("metrics.`a``b`", Field("metric", "a`b", 0, "last")),
        ("params.opt.lr", Field("param", "opt.lr", 0)),
        ("param.lr.max", Field("param", "lr.max", 0)),
        ("params.`batch size`", Field("param", "batch size", 0)),
        ("tags.stage", Field("tag", "stage", 0)),
        ("tag.mlflow.runName", Field("tag", "mlflow.runName", 0)),
        ("attributes.run_id", Field("attribute", "id", 0)),
        ("attr.run_name", Field("attribute", "name", 0)),
        ("attribute.Status", Field("attribute", "status", 0)),
        ("METRICS.acc", Field("metric", "acc", 0, "last")),
    ],
)
def test_fields(text: str, field: Field) -> None:
    node = parse_filter(f"{text} IS NULL")
    assert isinstance(node, IsNull)
    assert node.field == field


def test_integers_beyond_64_bits_compare_as_floats() -> None:
    assert cmp("metrics.x < 99999999999999999999").value.value == 1e20


def test_attribute_time_strings_become_epoch_ms() -> None:
    assert cmp("attributes.start_time > '2026-01-31'").value.value == 1769817600000
    assert cmp("attributes.end_time < '2026-01-31T00:00:01Z'").value.value == 1769817601000
    assert cmp("attributes.created_at >= '2026-01-31T02:00:00+02:00'").value.value == 1769817600000
    assert cmp("attributes.updated_at > 1769817600000").value.value == 1769817600000
    assert cmp("attributes.duration > 1500").value.value == 1500


def test_status_and_source_values_are_normalised() -> None:
    assert cmp("attributes.status = 'FINISHED'").value.value == "finished"
    node = parse_filter("attributes.source in ('Sweep', 'script')")
    assert isinstance(node, InList)
    assert [v.value for v in node.values] == ["sweep", "script"]


def test_in_like_is_null() -> None:
    node = parse_filter("params.model not in ('svm', 'tree', 3)")
    assert isinstance(node, InList) and node.negated
    assert [v.value for v in node.values] == ["svm", "tree", 3]
    like = parse_filter("tags.note NOT ILIKE '%Fast%'")
    assert like == Like(Field("tag", "note", 0), Value("%Fast%", "'%Fast%'", 20), True, True, 10)
    assert parse_filter("tags.x is null") == IsNull(Field("tag", "x", 0), False, 7)
    assert parse_filter("metrics.x IS NOT NULL") == IsNull(
        Field("metric", "x", 0, "last"), True, 10
    )


@pytest.mark.parametrize(
    "text",
    [
        "metrics.acc",
        "metrics.acc.max",
        "metrics.`val acc`.min",
        "metrics.`acc.max`",
        "params.opt.lr",
        "tags.a",
        "attributes.start_time",
    ],
)
def test_field_str_round_trips(text: str) -> None:
    node = parse_filter(f"{text} is null")
    assert isinstance(node, IsNull) and str(node.field) == text
    again = parse_filter(f"{node.field} is null")
    assert isinstance(again, IsNull) and again.field == node.field


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("metrics.val_acc > ", 18, "expected a value after '>'"),
        ("metrics.val_acc >", 17, "expected a value after '>'"),
        ("metrics.acc > 'abc'", 14, "metrics.acc needs a number"),
        ("attributes.status > 3", 20, "needs text"),
        ("metrics.acc LIKE '%a'", 12, "LIKE applies to text"),
        ("attributes.start_time ILIKE '2026%'", 22, "ILIKE applies to text"),
        ("tags.x like 3", 12, "a quoted pattern"),
        ("tags.x = 5", 9, "tags.x needs text"),
        ("val_acc > 1", 0, "fields need a prefix"),
        ("foo.bar > 1", 0, "unknown field prefix 'foo'"),
        ("attributes.colour = 'red'", 11, "unknown attribute 'colour'"),
        ("attributes.status = 'done'", 20, "has no value 'done'"),
        ("attributes.start_time > 'yesterday'", 24, "is not a time"),
        ("(metrics.a > 1", 14, "expected ')'"),
        ("metrics.a > 1)", 13, "unexpected ')'"),
        ("metrics.a > 1 tags.b = 'x'", 14, "expected 'and', 'or'"),
        ("metrics.a > 1 and", 17, "expected a field"),
        ("metrics.a > 1 and or tags.b = 'x'", 18, "expected a field"),
        ("params.model = svm", 15, "quote text values"),
        ("params.model = null", 15, "IS NULL"),
        ("metrics.a 1", 10, "expected an operator"),
        ("metrics.a", 9, "expected an operator"),
        ("metrics.a ! 1", 10, "did you mean '!='"),
        ("metrics.a => 1", 11, "expected a value"),
        ("tags.a = 'open", 9, "unterminated string"),
        ('tags.a = "open', 9, "unterminated string"),
        ("metrics.`val acc > 1", 8, "unterminated quoted key"),
        ("metrics. > 1", 8, "expected a key after 'metrics.'"),
        ("metrics.acc. > 1", 12, "expected a key after 'metrics.acc.'"),
        ("metrics.a > 1.2.3", 12, "malformed number"),
        ("metrics.a > 12abc", 12, "malformed number"),
        ("metrics.a > 1e999", 12, "out of range"),
        ("tags.a in 'x'", 10, "expected '(' after IN"),
        ("tags.a in ('x' 'y')", 15, "expected ',' or ')'"),
        ("tags.a in ()", 11, "in the IN list, found ')'"),
        ("tags.a in ('x',)", 15, "expected a value"),
        ("tags.a not = 'x'", 11, "expected IN, LIKE or ILIKE after NOT"),
        ("tags.a is 'x'", 10, "expected NULL after IS"),
        ("tags.a is not 3", 14, "expected NULL after IS NOT"),
        ("`acc` > 1", 0, "unexpected '`'"),
        ("metrics.a > 1 # x", 14, "unexpected character '#'"),
        ("()", 1, "expected a field"),
        ("not", 3, "expected a field"),
        ("metrics.acc.max LIKE 'a'", 16, "LIKE applies to text"),
        ("metrics.x in (1, 'a')", 17, "needs a number"),
        ("attributes.duration = '1h'", 22, "needs a number"),
        ("tags.a = 'x\x00y'", 11, "unexpected NUL character"),
        ("attributes.start_time > 1e300", 24, "out of range"),
        ("attributes.end_time < 99999999999999999999", 22, "out of range"),
    ],
)
def test_errors_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(InvalidFilter) as info:
        parse_filter(text)
    err = info.value
    assert err.position == position, err.message
    assert words in err.message
    assert err.message.startswith("filter: ")
    assert f"at column {position}" in err.message
    assert err.field == "filter" and err.status == 400


def test_error_message_example_from_the_brief() -> None:
    with pytest.raises(InvalidFilter) as info:
        parse_filter("metrics.val_acc >")
    assert info.value.message == "filter: expected a value after '>' at column 17"


def test_in_list_size_is_limited() -> None:
    values = ", ".join(["1"] * 1000)
    assert parse_filter(f"metrics.x in ({values})") is not None
    with pytest.raises(InvalidFilter, match="at most 1000 values") as info:
        parse_filter(f"metrics.x in ({values}, 2)")
    assert info.value.position == len("metrics.x in (") + len(values)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(InvalidFilter, match="nests deeper"):
        parse_filter("(" * 500 + "metrics.a > 1" + ")" * 500)
    assert parse_filter("(" * 50 + "metrics.a > 1" + ")" * 50) is not None


def test_order_by() -> None:
    keys = parse_order_by(
        [
            "metrics.val_acc DESC",
            "params.lr",
            "attributes.start_time asc",
            "metrics.`val/loss`.min desc",
        ]
    )
    assert [(str(k.field), k.descending) for k in keys] == [
        ("metrics.val_acc", True),
        ("params.lr", False),
        ("attributes.start_time", False),
        ("metrics.val/loss.min", True),
    ]
    assert parse_order_by([]) == []


@pytest.mark.parametrize(
    ("items", "where", "position", "words"),
    [
        (["metrics.acc DESC", "metrics.acc sideways"], "order_by[1]", 12, "expected ASC, DESC"),
        (["acc"], "order_by[0]", 0, "expected a field"),
        (["attributes.nope"], "order_by[0]", 11, "unknown attribute"),
        (["metrics.acc DESC DESC"], "order_by[0]", 17, "expected ASC, DESC"),
        (["  "], "order_by[0]", 0, "expected a field"),
        (["tags.`x"], "order_by[0]", 5, "unterminated"),
    ],
)
def test_order_by_errors(items: list[str], where: str, position: int, words: str) -> None:
    with pytest.raises(InvalidFilter) as info:
        parse_order_by(items)
    assert info.value.message.startswith(f"{where}: ")
    assert words in info.value.message
    assert info.value.position == position
    assert info.value.field == "order_by"
