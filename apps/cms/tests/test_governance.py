"""A disabled CMS: its public pages are 404 (a visitor learns nothing of governance), its API
answers `module_disabled`."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.cms.tests.conftest import make_page
from apps.core.governance.services import disable_module, enable_module

pytestmark = pytest.mark.django_db


def test_disabling_hides_the_site_and_closes_the_api(highway, writer):
    make_page()
    assert Client().get("/en/pages/about/").status_code == 200
    disable_module("cms", reason="maintenance")
    for path in ("/en/pages/about/", "/fr/pages/", "/sitemap.xml"):
        assert Client().get(path).status_code == 404, path
    public = APIClient().get("/api/cms/public/pages/about/")
    assert (public.status_code, public.json()["code"]) == (403, "module_disabled")
    staff = writer.get("/api/cms/pages/")
    assert (staff.status_code, staff.json()["code"]) == (403, "module_disabled")
    enable_module("cms")
    assert Client().get("/en/pages/about/").status_code == 200
