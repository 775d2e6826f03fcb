from django.contrib import admin

from tests.modules.probe.models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["title", "quantity"]
