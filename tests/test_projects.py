"""Project pages: create, the project page with its stage history, moving between stages and
steps, the list, and the empty state."""

from __future__ import annotations

import re
import uuid

from kexpwa.domain import stages
from tests.capture_helpers import HX, form, hidden, sign_in
from tests.conftest import Client
from tests.support import UserFactory


async def test_new_project_form(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    response = await client.get("/projects/new")
    assert client.template.template == "projects/form.html"
    html = response.text
    assert f'data-kind="project" data-record-id="{client.template.context["record_id"]}"' in html
    for name in ("title", "question", "stage", "substep", "start_date"):
        assert f'name="{name}"' in html
    for key, (name, steps) in stages.STAGES.items():
        assert f'<option value="{key}"' in html and f'<optgroup label="{name}">' in html
        for step, _ in steps:
            assert f'<option value="{step}"' in html
    assert 'name="start_date" type="date"' in html


async def test_create_then_move_on_keeps_the_stage_history(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    created = await pat.save("project", rid, form("project", start_date="2026-01-05"))
    assert created.status_code == 303
    assert created.headers["location"] == f"http://testserver/projects/{rid}"
    page = await client.get(f"/projects/{rid}")
    assert client.template.template == "projects/project.html"
    assert [h.stage for h in client.template.context["history"]] == ["plan"]
    assert "What makes it easier to ask for help?" in page.text
    assert "Plan: Research question" in page.text and "started Mon 5 Jan 2026" in page.text

    edit = await client.get(f"/projects/{rid}/edit")
    assert hidden(edit.text, "version") == "1"
    assert re.search(r'<option value="question" selected>', edit.text)
    moved = await pat.save("project", rid, form("project", stage="do", substep="fieldwork"), 1)
    assert moved.status_code == 303
    page = await client.get(f"/projects/{rid}")
    history = client.template.context["history"]
    assert [(h.stage, h.substep) for h in history] == [("plan", "question"), ("do", "fieldwork")]
    assert 'aria-current="step" class="current">Do' in page.text
    assert "Do: Fieldwork and data collection" in page.text
    assert page.text.count('<span class="meta">from ') == 2  # each stage with its date


async def test_a_step_of_another_stage_is_refused(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    response = await pat.save("project", rid, form("project", stage="do", substep="poster"))
    assert response.status_code == 422
    assert set(client.template.context["errors"]) == {"substep"}
    assert 'id="f-substep" name="substep" aria-describedby="f-substep-error f-substep-hint"' in (
        response.text
    )
    assert await pat.reload("project", rid) is None


async def test_list_search_and_htmx(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    await pat.make("project", title="Kinship carers")
    await pat.make("project", title="Neglect and school", question="How do schools notice?")
    listed = await client.get("/projects")
    assert client.template.template == "projects/list.html"
    assert client.template.context["page"].total == 2
    assert "HX-Request" in listed.headers["vary"]
    response = await client.get("/projects", params={"q": "schools"}, headers=HX)
    assert client.template.template == "projects/_list.html"
    assert [p.title for p in client.template.context["page"].items] == ["Neglect and school"]
    assert "HX-Request" in response.headers["vary"]


async def test_empty_projects_say_where_to_start(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    response = await client.get("/projects")
    assert "No research projects yet" in response.text
    assert 'href="http://testserver/projects/new"' in response.text


async def test_a_deleted_project_can_be_restored(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    project = await pat.make("project", title="Short-lived")
    page = await client.get(f"/projects/{project.id}")
    assert f'data-delete-kind="project" data-record-id="{project.id}"' in page.text
    await pat.post(f"/projects/{project.id}/delete", {"id": str(project.id), "version": "1"})
    assert (await client.get(f"/projects/{project.id}")).status_code == 404
    await client.get("/projects/deleted")
    assert [p.id for p in client.template.context["items"]] == [project.id]
    await pat.post(f"/projects/{project.id}/restore", {"id": str(project.id)})
    assert (await client.get(f"/projects/{project.id}")).status_code == 200
