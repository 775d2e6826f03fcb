from django.utils.translation import gettext_lazy as _

from apps.core.modules.definition import ModuleConfig, ModuleDefinition, ModuleSetting


class CmsConfig(ModuleConfig):
    name = "apps.cms"
    label = "cms"
    verbose_name = _("CMS")
    definition = ModuleDefinition(
        code="cms",
        name="CMS",
        version="0.1.0",
        description="Content pages in four languages, published on the public site.",
        requires=("core",),
        settings=(
            ModuleSetting(
                "MEDIA_MAX_BYTES",
                default=5 * 1024 * 1024,
                cast=int,
                help="The largest image a page may have attached, in bytes.",
            ),
            ModuleSetting(
                "PUBLIC_API_RATE",
                default="120/min",
                help="Requests per visitor address to the public read API (DRF rate).",
            ),
        ),
        emits=(
            "mem0.recorded",
            "cms.page.created",
            "cms.page.updated",
            "cms.page.deleted",
            "cms.page.published",
            "cms.page.unpublished",
            "cms.page.archived",
            "cms.page.restored",
            "cms.translation.saved",
            "cms.translation.deleted",
            "cms.media.added",
            "cms.media.removed",
        ),
    )
    # The admin's search across modules finds pages through this (apps.core.search).
    search_provider = "apps.cms.selectors.search_hits"
    # Open to visitors on purpose (apps.core.tests.test_access_closed): published pages only.
    public_routes = {
        "cms_site:page-list": "the public site: the published pages",
        "cms_site:page": "the public site: a published page",
        "cms_root:media": "the public site: a published page's images",
        "cms_root:sitemap": "the public site's sitemap",
        "cms:public-page-list": "public read API: published pages",
        "cms:public-page-detail": "public read API: a published page",
    }
