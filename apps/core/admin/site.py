"""The COS admin site: Django's, plus module governance and extra pages modules contribute.

- A disabled module's app disappears from the index and the sidebar (its URLs are refused by
  `apps.core.http.middleware.disabled_module_admin_middleware`).
- `register_page(slug, view, title)` adds a staff-only page at /admin/cos/<slug>/, linked from
  every admin page: each module's overview, the architecture report. A module's page (slug = its
  code, or `module=<code>`) also needs the module's view permission; a page registered with
  `each_module=True` is a tool about any module (the graph's picture): each module's overview
  links to it with `?module=<code>`.
- `RecordAdmin` / `RecordInline`: read-only admins for records (L1 memory).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from apps.core import governance
from apps.core.modules import access, registry


@dataclass(frozen=True)
class AdminPage:
    slug: str
    title: Any  # str or lazy translation
    view: Callable[..., HttpResponse]
    module: str | None = None  # the module whose data it shows (its view permission is needed)
    each_module: bool = False  # linked from every module's overview, with ?module=<code>


class COSAdminSite(admin.AdminSite):
    site_header = "COS"  # the name, the same in every language
    site_title = _("COS admin")
    index_title = _("Creative Operating System")

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self.pages: dict[str, AdminPage] = {}

    def register_page(
        self,
        slug: str,
        view: Callable[..., HttpResponse],
        title: Any,
        *,
        module: str | None = None,
        each_module: bool = False,
    ) -> None:
        self.pages[slug] = AdminPage(slug, title, view, module, each_module)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        pages = [
            path(
                f"cos/{page.slug}/",
                self.admin_view(_viewable_by_module_permission(page)),
                name=f"cos-{page.slug}",
            )
            for page in self.pages.values()
        ]
        return [*pages, *super().get_urls()]

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        disabled = governance.disabled_modules()
        return [
            app
            for app in super().get_app_list(request, app_label)
            if app["app_label"] not in disabled
        ]

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        disabled = governance.disabled_modules()
        # A disabled module's page is left out, and so is the page of a module the user may
        # not view.
        context["cos_pages"] = [
            page
            for page in self.pages.values()
            if _page_module(page) not in disabled and _may_see_page(request, page)
        ]
        return context

    def module_tools(self, request: HttpRequest, code: str) -> list[tuple[Any, str]]:
        """(title, url) of the pages about any module the user may open, focused on `code`."""
        return [
            (page.title, f"{reverse(f'{self.name}:cos-{page.slug}')}?{urlencode({'module': code})}")
            for page in self.each_context(request)["cos_pages"]
            if page.each_module
        ]


def _page_module(page: AdminPage) -> str | None:
    """The module whose page it is: the one named, or the one its slug is the code of."""
    if page.module is not None:
        return page.module
    try:
        registry.get_module_config(page.slug)
    except LookupError:
        return None
    return page.slug


def page_owner(slug: str) -> str:
    """Whose page /admin/cos/<slug>/ is, for the refusal of a disabled module's pages: the
    module it was registered for, else its slug (a module's own page has its code as slug)."""
    page = admin.site.pages.get(slug) if isinstance(admin.site, COSAdminSite) else None
    return page.module if page is not None and page.module is not None else slug


def _may_see_page(request: HttpRequest, page: AdminPage) -> bool:
    module = _page_module(page)
    return module is None or access.may_view(request.user, module)


def _viewable_by_module_permission(page: AdminPage) -> Callable[..., HttpResponse]:
    """A module's page shows its data: it needs the module's view permission, not only staff."""

    @functools.wraps(page.view)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _may_see_page(request, page):
            raise PermissionDenied
        return page.view(request, *args, **kwargs)

    return view


class RecordAdmin(admin.ModelAdmin):
    """An admin for records (L1 logs, event logs, prompt traces): they can be read, searched
    and filtered, never added, changed or deleted here; writes go through the module's
    services (log_l1), which publish them."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecordInline(admin.StackedInline):
    """The same for records shown inside another record's page."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class COSAdminConfig(AdminConfig):
    default_site = "apps.core.admin.site.COSAdminSite"


def register_page(
    slug: str,
    view: Callable[..., HttpResponse],
    title: Any,
    *,
    module: str | None = None,
    each_module: bool = False,
) -> None:
    """Add a page to the admin at /admin/cos/<slug>/ (from a module's admin.py); `module` names
    the module whose view permission it needs (by default the one whose code is `slug`), and
    `each_module` links it from every module's overview with ?module=<code>."""
    if not isinstance(admin.site, COSAdminSite):
        raise ImproperlyConfigured(
            "The admin site is not COS's: INSTALLED_APPS needs apps.core.admin.site.COSAdminConfig."
        )
    admin.site.register_page(slug, view, title, module=module, each_module=each_module)
