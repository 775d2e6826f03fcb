from rest_framework.routers import DefaultRouter

from apps.cc.api.views import ConfigView, HealthViewSet, ModuleViewSet
from apps.core.memory.viewsets import memory_routes

router = DefaultRouter()
memory_routes(router, "cc", health_viewset=HealthViewSet)
router.register("modules", ModuleViewSet, basename="module")
router.register("", ConfigView, basename="config")

urlpatterns = router.urls
