"""The module's admin: its L1 memory read-only, its notes, its overview page."""

import pytest
from django.contrib.auth.models import User

from apps.core.memory.recording import log_l1
from apps.core.testing import grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["baselog", "eventlog", "prompttrace", "scratchnote"])
def test_changelists_render(admin_client, memory_module, model):
    log_l1(memory_module, "chapter.drafted", "Drafted chapter 3", prompt={"prompt_text": "Draft"})
    assert admin_client.get(f"/admin/{memory_module}/{model}/").status_code == 200


def test_the_notes_add_form_renders(admin_client, memory_module):
    assert admin_client.get(f"/admin/{memory_module}/scratchnote/add/").status_code == 200


def test_a_log_shows_its_event_and_prompt_inline(admin_client, memory_module):
    recorded = log_l1(
        memory_module, "chapter.drafted", "Drafted chapter 3", prompt={"prompt_text": "Draft"}
    )
    url = f"/admin/{memory_module}/baselog/{recorded.base_log_id}/change/"
    page = admin_client.get(url).content.decode()
    assert "chapter.drafted" in page and "Draft" in page


def test_the_modules_overview_page_shows_its_memory(admin_client, memory_module):
    log_l1(memory_module, "chapter.drafted", "Drafted chapter 3", level="warning")
    page = admin_client.get(f"/admin/cos/{memory_module}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Drafted chapter 3" in text and "chapter.drafted" in text and "warning" in text
    link = f'href="/admin/cos/{memory_module}/"'
    assert admin_client.get("/admin/").content.decode().count(link) >= 1


# --- L1 records are a record; module pages need the module's permission -------------------------
@pytest.mark.parametrize("model", ["baselog", "eventlog", "prompttrace"])
def test_l1_records_cannot_be_added_in_the_admin(admin_client, memory_module, model):
    assert admin_client.get(f"/admin/{memory_module}/{model}/add/").status_code == 403


def test_an_l1_record_is_shown_read_only_and_cannot_be_changed_or_deleted(
    admin_client, memory_module, memory
):
    recorded = log_l1(memory_module, "chapter.drafted", "Drafted", payload={"n": 1})
    url = f"/admin/{memory_module}/baselog/{recorded.base_log_id}/"
    page = admin_client.get(f"{url}change/").content.decode()
    assert "Drafted" in page and 'name="_save"' not in page
    admin_client.post(f"{url}change/", {"level": "error", "message": "Rewritten"})
    assert admin_client.get(f"{url}delete/").status_code == 403
    assert memory.base_log.objects.get(pk=recorded.base_log_id).message == "Drafted"


def staff_member(name, *modules):
    user = User.objects.create_user(name, is_staff=True)
    for module in modules:
        grant(user, module)
    return user


def test_a_module_page_needs_the_modules_view_permission(client, highway, memory_module):
    page, link = f"/admin/cos/{memory_module}/", f'href="/admin/cos/{memory_module}/"'
    client.force_login(staff_member("outsider"))
    assert client.get(page).status_code == 403
    assert link not in client.get("/admin/").content.decode()
    client.force_login(staff_member("insider", memory_module))
    assert client.get(page).status_code == 200
    assert link in client.get("/admin/").content.decode()


def test_a_log_links_to_its_node_in_the_graph(admin_client, memory_module):
    from apps.core.modules.registry import contract

    recorded = log_l1(memory_module, "chapter.drafted", "Drafted chapter 3")
    page = admin_client.get(f"/admin/{memory_module}/baselog/{recorded.base_log_id}/change/")
    node_url = contract("graph.log_node_url")
    assert node_url is not None  # the graph module is installed in this project
    assert f'href="{node_url(recorded.base_log_id)}"' in page.content.decode().replace("&amp;", "&")
