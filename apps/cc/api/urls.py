from rest_framework.routers import DefaultRouter

from apps.cc.api.views import LogViewSet, NoteViewSet

router = DefaultRouter()
router.register("logs", LogViewSet, basename="log")
router.register("notes", NoteViewSet, basename="note")

urlpatterns = router.urls
