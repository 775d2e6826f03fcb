from rest_framework.routers import DefaultRouter

from apps.cms.api.views import PageViewSet, PublicPageViewSet
from apps.core.memory.viewsets import memory_routes

router = DefaultRouter()
# The kit's logs/, prompt-traces/, notes/, health/ and status/; the module's own routes follow.
memory_routes(router, "cms")
router.register("pages", PageViewSet, basename="page")
router.register("public/pages", PublicPageViewSet, basename="public-page")

urlpatterns = router.urls
