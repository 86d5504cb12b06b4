"""Run search in the SQL store: scope, filter, order and keyset paging in one query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Table, select
from sqlmodel import Session, col

from runway_core.errors import InvalidInput, NotFound
from runway_core.models import Experiment, Project, Run
from runway_core.schemas import RunPage, RunSearch
from runway_core.search.ast import Expr, Field, FieldKind
from runway_core.search.compile import RUNS, child_table, plan_filter
from runway_core.search.hints import child_fields, unknown_key_hints
from runway_core.search.order import DEFAULT_ORDER, parse_order_by
from runway_core.search.parser import parse_filter
from runway_core.search.sort import SortPlan, SortValue, sort_plan
from runway_core.store.sql.heartbeats import HeartbeatsMixin
from runway_core.store.sql.runs import load_run_publics
from runway_core.validation import check_text, check_utf8

MAX_EXPERIMENTS = 1000
# Keys read to suggest the nearest one to a key no run has (difflib compares them all).
MAX_HINT_KEYS = 10_000


class SearchMixin(HeartbeatsMixin):
    def search_runs(self, search: RunSearch) -> RunPage:
        """Runs in ``search``'s experiments or project matching its filter, one page at a time.

        Runs without the sort metric/param/tag come last in both directions; ties are broken
        by run id, so paging by ``next_page_token`` returns every match exactly once.
        """
        # Refused as the API refuses them (the parser would say InvalidFilter instead).
        check_utf8(search.filter, "filter")
        for i, item in enumerate(search.order_by):
            check_utf8(item, f"order_by.{i}")
        keys = parse_order_by(search.order_by or DEFAULT_ORDER)
        expr = parse_filter(search.filter)
        self._sweep_crashed_before_read()
        filters = plan_filter(expr, self.dialect)
        plan = sort_plan(keys, filters)
        after = plan.decode(search.page_token) if search.page_token else None
        want = search.limit + 1  # one more than a page tells whether another page follows
        with self._read() as session:
            in_scope = [_scope(session, search)]
            if not search.include_deleted:
                in_scope.append(RUNS.c.deleted_at.is_(None))
            where = [*in_scope, filters.where]
            rows: list[Row[Any]] = []
            if not plan.splittable:
                rows = _fetch(session, plan, where, after, want)
            else:
                # Runs with the first sort value come first in both directions: fetch them with
                # an inner join the database can walk in index order, then top up with the rest.
                first_missing = after is not None and after[0][0] is None
                if not first_missing:
                    rows = _fetch(session, sort_plan(keys, filters, "present"), where, after, want)
                if len(rows) < want:
                    rest = sort_plan(keys, filters, "missing")
                    rows += _fetch(
                        session, rest, where, after if first_missing else None, want - len(rows)
                    )
            token = None
            if len(rows) > search.limit:
                rows = rows[: search.limit]
                last = tuple(rows[-1])
                token = plan.encode([_plain(value) for value in last[1:]], last[0].id)
            runs = [row[0] for row in rows]
            hints = []
            if not runs and after is None:
                hints = _hints(session, expr, in_scope)
            return RunPage(
                runs=load_run_publics(session, runs, include_data=search.include_data),
                next_page_token=token,
                hints=hints,
            )


def _hints(session: Session, expr: Expr | None, in_scope: list[ColumnElement[bool]]) -> list[str]:
    """For an empty first page: the filter's keys that no run in scope has, with near ones."""

    def has_key(field: Field) -> bool:
        table = child_table(field)
        query = _keys_in_scope(table, in_scope).where(table.c.key == field.key).limit(1)
        return session.execute(query).first() is not None

    def keys_in_scope(kind: FieldKind) -> list[str]:
        table = child_table(Field(kind=kind, key="", position=0))
        query = _keys_in_scope(table, in_scope).distinct().limit(MAX_HINT_KEYS)
        return [key for (key,) in session.execute(query)]

    return unknown_key_hints(child_fields(expr), has_key, keys_in_scope)


def _keys_in_scope(table: Table, in_scope: list[ColumnElement[bool]]) -> Select[tuple[str]]:
    return select(table.c.key).join(RUNS, RUNS.c.id == table.c.run_id).where(*in_scope)


def _fetch(
    session: Session,
    plan: SortPlan,
    where: list[ColumnElement[bool]],
    after: tuple[list[SortValue], str] | None,
    limit: int,
) -> list[Row[Any]]:
    conditions = [*where, *plan.where]
    if after is not None:
        conditions.append(plan.after(*after))
    stmt = (
        select(Run, *(c.expr for c in plan.columns))
        .select_from(plan.source)
        .where(*conditions)
        .order_by(*plan.order_by())
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def _plain(value: Any) -> Any:
    """A sort value as JSON can carry it (Enum-typed columns come back as str already)."""
    return value.value if hasattr(value, "value") and not isinstance(value, str) else value


def _scope(session: Session, search: RunSearch) -> ColumnElement[bool]:
    """The runs a search may return; unknown ids are NotFound, a mixed-up scope InvalidInput."""
    experiment_ids = list(dict.fromkeys(search.experiment_ids))
    check_text(search.project_id, "project_id")
    for exp_id in experiment_ids:
        check_text(exp_id, "experiment_ids")
    if not experiment_ids and not search.project_id:
        raise InvalidInput(
            "search needs experiment_ids or project_id (or both)", field="experiment_ids"
        )
    if len(experiment_ids) > MAX_EXPERIMENTS:
        raise InvalidInput(
            f"search takes at most {MAX_EXPERIMENTS} experiment_ids; search the project instead",
            field="experiment_ids",
        )
    if search.project_id and session.get(Project, search.project_id) is None:
        raise NotFound(f"project {search.project_id!r} not found", field="project_id")
    if not experiment_ids:
        return RUNS.c.project_id == search.project_id
    rows = session.execute(
        select(col(Experiment.id), col(Experiment.project_id)).where(
            col(Experiment.id).in_(experiment_ids)
        )
    ).all()
    found = {exp_id: project_id for exp_id, project_id in rows}
    for exp_id in experiment_ids:
        if exp_id not in found:
            raise NotFound(f"experiment {exp_id!r} not found", field="experiment_ids")
        if search.project_id and found[exp_id] != search.project_id:
            raise InvalidInput(
                f"experiment {exp_id!r} is not in project {search.project_id!r}",
                field="experiment_ids",
            )
    return RUNS.c.experiment_id.in_(experiment_ids)
