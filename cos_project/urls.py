from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.core.api.views import SearchView
from apps.core.http import probes as views
from apps.core.http.metrics import metrics_view
from apps.core.modules.mounting import module_api_urls, module_site_urls

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^alive/?$", views.alive, name="alive"),
    re_path(r"^ping/?$", views.ping, name="ping"),
    re_path(r"^health/?$", views.health_view, name="health"),
    re_path(r"^status/?$", views.status_view, name="status"),
    re_path(r"^metrics/?$", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the admin's switcher
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs are pages for people: a visitor is sent to sign in (the schema answers 401).
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="schema")),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        login_required(SpectacularRedocView.as_view(url_name="schema")),
        name="redoc",
    ),
    # Across modules, so under no module's /api/<code>/: each module's hits need its view
    # permission (apps.core.search.run).
    path("api/search/", SearchView.as_view(), name="search"),
    *module_api_urls(),
    *module_site_urls(),  # modules' public pages (/<language>/...), each gated
]
