from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.canon.api.views import (
    LinkViewSet,
    NoteViewSet,
    PrdViewSet,
    TraceViewSet,
    VerificationView,
)

router = DefaultRouter()
router.register("prds", PrdViewSet, basename="prd")
router.register("traces", TraceViewSet, basename="trace")
router.register("links", LinkViewSet, basename="link")
router.register("notes", NoteViewSet, basename="note")

urlpatterns = [
    path("verification/", VerificationView.as_view(), name="verification"),
    *router.urls,
]
