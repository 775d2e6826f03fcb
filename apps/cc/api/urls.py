from rest_framework.routers import DefaultRouter

from apps.cc.api.views import (
    ConfigView,
    HealthViewSet,
    LogViewSet,
    ModuleViewSet,
    NoteViewSet,
    PromptTraceViewSet,
)

router = DefaultRouter()
router.register("logs", LogViewSet, basename="log")
router.register("prompt-traces", PromptTraceViewSet, basename="prompt-trace")
router.register("notes", NoteViewSet, basename="note")
router.register("", HealthViewSet, basename="health")
# >>> cc only
router.register("modules", ModuleViewSet, basename="module")
router.register("", ConfigView, basename="config")
# <<< cc only

urlpatterns = router.urls
