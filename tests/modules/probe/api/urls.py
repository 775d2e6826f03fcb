from rest_framework.routers import DefaultRouter

from tests.modules.probe.api.views import ItemViewSet

router = DefaultRouter()
router.register("items", ItemViewSet)
urlpatterns = router.urls
