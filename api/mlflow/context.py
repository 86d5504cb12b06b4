"""What every MLflow handler needs: the store, MLflow's ids resolved to Runway's, and access.

An MLflow experiment is a Runway experiment; its MLflow id is the Runway id, except MLflow's
default experiment ``"0"``, which is the experiment "Default" of the MLflow project
(``RUNWAY_MLFLOW_PROJECT``). With authentication on, the server makes that project and
experiment at start (``open_mlflow_project``), owned by no one, and every user holds
``RUNWAY_MLFLOW_DEFAULT_ROLE`` in it; reads never create anything, a write recreates them if an
admin deleted them. With authentication off (one user, no roles) they are made on first use.
Every lookup of an experiment or run asks ``api.access`` for the role the handler needs on its
project.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from runway_core.auth.service import AccessService
from runway_core.config import Settings
from runway_core.errors import NotFound
from runway_core.schemas import (
    ExperimentCreate,
    ExperimentPublic,
    ProjectCreate,
    ProjectPublic,
    RunPublic,
)
from runway_core.store import Store

from ..access import Role, access_service, as_caller, require_project
from .mapping import DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME


@dataclass
class MlflowContext:
    request: Request
    store: Store
    project_name: str

    def project(self, name: str | None = None) -> ProjectPublic:
        """The project by name (the MLflow project by default), created when missing (only for
        a write: the MLflow project shared, owned by no one; another with the caller its admin)."""
        name = name or self.project_name
        try:
            return self.store.get_project_by_name(name)
        except NotFound:
            if name == self.project_name:
                settings = self.request.app.state.settings
                return open_mlflow_project(self.store, access_service(self.request), settings)
            # As through /api/v1: whoever creates a project is its admin, in the same
            # transaction (auth off: no-op).
            with as_caller(self.request):
                return self.store.create_project(ProjectCreate(name=name), exist_ok=True)

    def default_experiment(self) -> ExperimentPublic:
        """MLflow's experiment "0", created when missing (for a write)."""
        project = self.project()
        try:
            return self.store.get_experiment_by_name(project.id, DEFAULT_EXPERIMENT_NAME)
        except NotFound:
            return self.store.create_experiment(
                project.id, ExperimentCreate(name=DEFAULT_EXPERIMENT_NAME), exist_ok=True
            )

    def existing_default_experiment(self) -> ExperimentPublic:
        """MLflow's experiment "0" for a read: with authentication on, as it is (a read creates
        nothing); off (one user, no roles to take), made on first use as MLflow does."""
        found = self.default_experiment_id()
        if found is None and access_service(self.request) is None:
            return self.default_experiment()
        if found is None:
            raise NotFound(
                f"No Experiment with id={DEFAULT_EXPERIMENT_ID} exists", field="experiment_id"
            )
        return self.store.get_experiment(found)

    def default_experiment_id(self) -> str | None:
        """The Runway id behind ``"0"`` if it exists already (reads only)."""
        try:
            project = self.store.get_project_by_name(self.project_name)
            return self.store.get_experiment_by_name(project.id, DEFAULT_EXPERIMENT_NAME).id
        except NotFound:
            return None

    def experiment(self, mlflow_id: str, role: Role) -> ExperimentPublic:
        if not mlflow_id:
            raise NotFound("experiment_id: no experiment given", field="experiment_id")
        if mlflow_id == DEFAULT_EXPERIMENT_ID:
            exp = (
                self.existing_default_experiment() if role == "read" else self.default_experiment()
            )
        else:
            try:
                exp = self.store.get_experiment(mlflow_id)
            except NotFound:
                raise NotFound(
                    f"No Experiment with id={mlflow_id} exists", field="experiment_id"
                ) from None
        require_project(self.request, exp.project_id, role)
        return exp

    def run(self, run_id: str, role: Role) -> RunPublic:
        if not run_id:
            raise NotFound("run_id: no run given", field="run_id")
        try:
            run = self.store.get_run(run_id)
        except NotFound:
            raise NotFound(f"Run with id={run_id} not found", field="run_id") from None
        require_project(self.request, run.project_id, role)
        return run

    def readable_projects(self) -> list[ProjectPublic]:
        """Projects the caller may read (selected in the database), the MLflow project first."""
        with as_caller(self.request):
            out: list[ProjectPublic] = list(self.store.list_projects())
        out.sort(key=lambda p: p.name != self.project_name)
        return out

    def experiment_by_name(self, name: str) -> ExperimentPublic:
        """An experiment by its MLflow name: the MLflow project's first, then other projects'."""
        if name == DEFAULT_EXPERIMENT_NAME and (
            self.default_experiment_id() is not None or access_service(self.request) is None
        ):
            exp = self.existing_default_experiment()
            require_project(self.request, exp.project_id, "read")
            return exp
        for project in self.readable_projects():
            try:
                return self.store.get_experiment_by_name(project.id, name)
            except NotFound:
                continue
        raise NotFound(f"Could not find experiment with name {name}", field="experiment_name")


def open_mlflow_project(
    store: Store, access: AccessService | None, settings: Settings
) -> ProjectPublic:
    """Make the MLflow project and its experiment "Default" unless they exist, and (with
    authentication on) give every user ``settings.mlflow_default_role`` in it. Safe to run
    from several workers at once; nobody is made its admin (server admins are, everywhere)."""
    project = store.create_project(ProjectCreate(name=settings.mlflow_project), exist_ok=True)
    store.create_experiment(
        project.id, ExperimentCreate(name=DEFAULT_EXPERIMENT_NAME), exist_ok=True
    )
    if access is not None:
        role = settings.mlflow_default_role
        access.set_default_role(project.id, None if role == "none" else role)
    return project


def get_context(request: Request) -> MlflowContext:
    return MlflowContext(
        request=request,
        store=request.app.state.store,
        project_name=request.app.state.settings.mlflow_project,
    )


MlflowDep = Annotated[MlflowContext, Depends(get_context)]
