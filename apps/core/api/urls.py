from rest_framework.routers import DefaultRouter

from apps.core.api.views import ModuleDefinitionViewSet

router = DefaultRouter()
router.register("modules", ModuleDefinitionViewSet, basename="module")

urlpatterns = router.urls
