from rest_framework.routers import DefaultRouter

from apps.cc.api.views import LogViewSet

router = DefaultRouter()
router.register("logs", LogViewSet, basename="log")

urlpatterns = router.urls
