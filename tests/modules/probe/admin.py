from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse

from apps.core.admin.site import register_page
from tests.modules.probe.models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["title", "quantity"]


@staff_member_required
def overview(request: HttpRequest) -> HttpResponse:
    return HttpResponse("probe overview")


register_page("probe", overview, "Probe")
