"""The canon in the admin: every table readable, nothing addable, changeable or deletable;
a PRD's lineage page draws its versions, traces, links, notes and citations."""

import pytest
from django.contrib.auth.models import User

from apps.canon import services
from apps.canon.models import ALL_MODELS

from .conftest import snapshot


@pytest.fixture
def admin_client(client, db, highway):
    client.force_login(User.objects.create_superuser("root"))
    return client


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.model_name)
def test_every_table_is_read_only_in_the_admin(admin_client, every_table_has_a_row, model):
    name = model._meta.model_name
    assert admin_client.get(f"/admin/canon/{name}/").status_code == 200
    assert admin_client.get(f"/admin/canon/{name}/add/").status_code == 403
    row = model._default_manager.first()
    page = admin_client.get(f"/admin/canon/{name}/{row.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/canon/{name}/{row.pk}/delete/").status_code == 403


def test_the_lineage_page_draws_the_chain(admin_client, prd, notes):
    key = prd["key"]
    services.archive_trace(key, trigger="design-review")
    notes["n9"] = snapshot("n9", title="Rationale note")
    services.archive_note("n9")
    services.archive_link(f"canon:prd:{key}", "zk:note:n9", "REFERENCES", rationale="explains it")
    page = admin_client.get("/admin/cos/canon-lineage/", {"prd": key}).content.decode()
    assert page.count('class="canon-event canon-version"') == 2
    assert "design-review" in page and "explains it" in page and "Rationale note" in page
    assert "cc:log:7d1c0b5e-0000-4000-8000-000000000001" in page  # the note's L1 citation
    assert "canon/lineage.css" in page


def test_the_lineage_page_lists_prds_and_names_an_unknown_one(admin_client, prd):
    listing = admin_client.get("/admin/cos/canon-lineage/").content.decode()
    assert f"?prd={prd['key']}" in listing
    unknown = admin_client.get("/admin/cos/canon-lineage/", {"prd": "nope"}).content.decode()
    assert "No PRD" in unknown
    for malformed in ("bad\x00key", "a" * 300, "../x"):
        answer = admin_client.get("/admin/cos/canon-lineage/", {"prd": malformed})
        assert answer.status_code == 200 and "No PRD" in answer.content.decode()


def test_the_prd_list_links_to_the_lineage(admin_client, prd):
    page = admin_client.get("/admin/canon/prdlog/").content.decode()
    assert f"/admin/cos/canon-lineage/?prd={prd['key']}" in page


def test_the_lineage_page_needs_the_modules_view_permission(client, db, highway):
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert client.get("/admin/cos/canon-lineage/").status_code == 403


def test_the_lineage_page_speaks_the_users_language(admin_client, prd):
    page = admin_client.get(
        "/admin/cos/canon-lineage/", {"prd": prd["key"]}, headers={"accept-language": "fr"}
    ).content.decode()
    assert "Versions et leurs traces" in page and "Lignée de" in page
