from rest_framework.routers import DefaultRouter

from apps.canon.api.views import (
    LinkViewSet,
    NoteViewSet,
    PrdViewSet,
    TraceViewSet,
    VerificationViewSet,
)

router = DefaultRouter()
router.register("prds", PrdViewSet, basename="prd")
router.register("traces", TraceViewSet, basename="trace")
router.register("links", LinkViewSet, basename="link")
router.register("notes", NoteViewSet, basename="note")
router.register("verification", VerificationViewSet, basename="verification")

urlpatterns = router.urls
