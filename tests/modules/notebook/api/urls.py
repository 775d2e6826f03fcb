from rest_framework.routers import DefaultRouter

from apps.core.memory.viewsets import memory_routes

router = DefaultRouter()
memory_routes(router, "notebook")

urlpatterns = router.urls
