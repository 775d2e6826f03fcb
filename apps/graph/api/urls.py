from rest_framework.routers import DefaultRouter

from apps.core.memory.viewsets import memory_routes
from apps.graph.api.views import GraphViewSet, NodeViewSet, RelationshipViewSet

router = DefaultRouter()
# The kit's logs/, prompt-traces/, notes/, health/ and status/; the module's own routes follow.
memory_routes(router, "graph")
router.register("nodes", NodeViewSet, basename="node")
router.register("relationships", RelationshipViewSet, basename="relationship")
router.register("", GraphViewSet, basename="graph")

urlpatterns = router.urls
