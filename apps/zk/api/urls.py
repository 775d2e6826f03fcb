from rest_framework.routers import DefaultRouter

from apps.core.memory.viewsets import HealthViewSet, for_module
from apps.zk.api.views import LinkViewSet, NoteViewSet, PreviewViewSet

router = DefaultRouter()
# zk keeps no L1 memory (the kit's notes/ would clash with its own): only the kit's health/ and
# status/, which every module has.
router.register("", for_module(HealthViewSet, "zk"), basename="health")
router.register("notes", NoteViewSet, basename="note")
router.register("links", LinkViewSet, basename="link")
router.register("", PreviewViewSet, basename="preview")

urlpatterns = router.urls
