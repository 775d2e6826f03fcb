"""Admin pages of core, mounted on the COS admin site (apps.core.admin.site.COSAdminSite).

- /admin/cos/architecture/: the installed modules as a picture (their `requires`, the events
  each emits and consumes, each module's rule state) above each architecture rule's result per
  module (cos.E001-E006), the same results as `manage.py check` and `manage.py modulecheck`. The
  rules run in the background once per version of the code (apps.core.architecture.cached): the
  page answers at once, saying "checking..." until they are done; `?ready` answers whether
  they are, as JSON, for the page to reload itself then.

Imported from CoreConfig.ready(); importing it also registers the architecture system checks.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from apps.core.admin.site import COSAdminSite
from apps.core.architecture import cached, checks, picture

STATE_LABELS = {
    "ok": _("every rule kept"),
    "error": _("rules broken"),
    "checking": _("checking…"),
}


@staff_member_required
def architecture_view(request: HttpRequest) -> HttpResponse:
    """The picture and each module's rules: ok, or its errors with file and line."""
    sources = checks.installed_sources()
    reports = cached.reports(sources)
    if "ready" in request.GET:
        return JsonResponse({"ready": reports is not None})
    by_code = {report.code: report for report in reports} if reports is not None else None
    context = {
        **admin.site.each_context(request),
        "title": _("Architecture"),
        "reports": reports,
        "checking": reports is None,
        "all_ok": reports is not None and all(report.ok for report in reports),
        "modules": [
            (
                source,
                picture.shown_name(source),
                picture.consumed(source),
                STATE_LABELS[_state(by_code, source.code)],
            )
            for source in sources
        ],
        "state_labels": STATE_LABELS,
        "picture": picture.elements(sources, by_code),
    }
    return TemplateResponse(request, "admin/cos/architecture.html", context)


def _state(by_code: dict[str, checks.ModuleReport] | None, code: str) -> str:
    return picture.module_state(by_code.get(code) if by_code is not None else None)


# Django's plain AdminSite has no pages to register; the COS site does.
if isinstance(admin.site, COSAdminSite):
    admin.site.register_page("architecture", architecture_view, _("Architecture"))
