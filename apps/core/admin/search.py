"""The admin's search across modules (/admin/cos/search/?q=), reached from the box in every
admin page's header (templates/admin/base_site.html): each module the user may view, its hits
grouped under it (apps.core.search)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from apps.core.search import MAX_QUERY_LENGTH, BadQuery
from apps.core.search.run import search_everything


def search_view(request: HttpRequest) -> HttpResponse:
    """Staff only (the site's admin_view). Without a query, the empty form; a query that
    cannot be searched is answered 400 with the reason, on the same page."""
    raw = request.GET.get("q", "")
    context = {
        **admin.site.each_context(request),
        "title": _("Search"),
        # Echoed into the box, cut: a long query is refused, not shown whole.
        "query": raw[: MAX_QUERY_LENGTH * 2],
        "max_length": MAX_QUERY_LENGTH,
        "searched": False,
    }
    status = 200
    if raw.strip():
        try:
            context["groups"] = search_everything(request.user, raw)
            context["searched"] = True
        except BadQuery as problem:
            context["problem"] = str(problem)
            status = 400
    return TemplateResponse(request, "admin/cos/search.html", context, status=status)
