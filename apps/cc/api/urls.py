from rest_framework.routers import DefaultRouter

from apps.cc.api.views import ConfigView, HealthViewSet, LogViewSet, NoteViewSet

router = DefaultRouter()
router.register("logs", LogViewSet, basename="log")
router.register("notes", NoteViewSet, basename="note")
router.register("", HealthViewSet, basename="health")
router.register("", ConfigView, basename="config")

urlpatterns = router.urls
