"""Projects over the REST API."""

from __future__ import annotations

from runway_core.schemas import ProjectCreate, ProjectPublic, ProjectSummary, ProjectUpdate
from runway_core.store.http.base import HttpBase, dump, segment


class ProjectsMixin(HttpBase):
    def create_project(self, project: ProjectCreate, *, exist_ok: bool = False) -> ProjectPublic:
        body = self._request(
            "POST", "/projects", content=dump(project), params={"exist_ok": exist_ok}
        )
        return ProjectPublic.model_validate(body)

    def get_project(self, project_id: str) -> ProjectPublic:
        body = self._request("GET", f"/projects/{segment(project_id)}")
        return ProjectPublic.model_validate(body)

    def get_project_by_name(self, name: str) -> ProjectPublic:
        body = self._request("GET", f"/projects/by-name/{segment(name)}")
        return ProjectPublic.model_validate(body)

    def list_projects(self, *, search: str | None = None) -> list[ProjectSummary]:
        params = {"search": search} if search else None
        body = self._request("GET", "/projects", params=params)
        return [ProjectSummary.model_validate(p) for p in body["data"]]

    def update_project(self, project_id: str, update: ProjectUpdate) -> ProjectPublic:
        body = self._request(
            "PATCH", f"/projects/{segment(project_id)}", content=dump(update, exclude_unset=True)
        )
        return ProjectPublic.model_validate(body)

    def delete_project(self, project_id: str) -> None:
        self._request("DELETE", f"/projects/{segment(project_id)}")
