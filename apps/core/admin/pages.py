"""Admin pages of core, mounted on the COS admin site (apps.core.admin.site.COSAdminSite).

- /admin/cos/architecture/: each installed module and each architecture rule's result
  (cos.E001-E006), the same results as `manage.py check` and `manage.py modulecheck`.

Imported from CoreConfig.ready(); importing it also registers the architecture system checks.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from apps.core.admin.site import COSAdminSite
from apps.core.architecture.checks import check_installed


@staff_member_required
def architecture_view(request: HttpRequest) -> HttpResponse:
    """Each module and each architecture rule: ok, or its errors with file and line."""
    reports = check_installed()
    context = {
        **admin.site.each_context(request),
        "title": _("Architecture"),
        "reports": reports,
        "all_ok": all(report.ok for report in reports),
    }
    return TemplateResponse(request, "admin/cos/architecture.html", context)


# Django's plain AdminSite has no pages to register; the COS site does.
if isinstance(admin.site, COSAdminSite):
    admin.site.register_page("architecture", architecture_view, _("Architecture"))
