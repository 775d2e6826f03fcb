"""cc's admin pages render for a superuser."""

import pytest
from django.contrib.auth.models import User

from apps.core.services import log_l1

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["baselog", "eventlog", "prompttrace", "scratchnote"])
def test_changelists_and_forms_render(client, highway, model):
    log_l1("cc", "chapter.drafted", "Drafted chapter 3", prompt={"prompt_text": "Draft it"})
    client.force_login(User.objects.create_superuser("root"))
    assert client.get(f"/admin/cc/{model}/").status_code == 200
    assert client.get(f"/admin/cc/{model}/add/").status_code == 200


def test_a_log_shows_its_event_and_prompt_inline(client, highway):
    recorded = log_l1("cc", "chapter.drafted", "Drafted chapter 3", prompt={"prompt_text": "Draft"})
    client.force_login(User.objects.create_superuser("root"))
    page = client.get(f"/admin/cc/baselog/{recorded.base_log_id}/change/").content.decode()
    assert "chapter.drafted" in page and "Draft" in page
