from rest_framework.routers import DefaultRouter

from apps.core.memory.viewsets import memory_routes

router = DefaultRouter()
# The kit's logs/, prompt-traces/, notes/, health/ and status/; the module's own routes follow.
memory_routes(router, "graph")

urlpatterns = router.urls
