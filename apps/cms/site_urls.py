"""The public site (mounted by apps.core.modules.mounting.module_site_urls): `urlpatterns` under
a language prefix, /<language>/pages/...; `root_urlpatterns` at the root. Public on purpose
(CmsConfig.public_routes); a disabled CMS answers 404 on all of them."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from apps.cms import site_views

urlpatterns = [
    path("pages/", site_views.page_list, name="page-list"),
    path("pages/<slug:slug>/", site_views.page, name="page"),
]

root_urlpatterns = [
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": site_views.SITEMAPS, "template_name": "cms/sitemap.xml"},
        name="sitemap",
    ),
    path("cms/media/<int:pk>/", site_views.media, name="media"),
]
