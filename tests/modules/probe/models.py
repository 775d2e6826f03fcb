from django.db import models

from apps.core.db.schemas import schema_table


class Tag(models.Model):
    label = models.CharField(max_length=50, unique=True)

    class Meta:
        db_table = schema_table("probe", "tag")

    def __str__(self) -> str:
        return self.label


class Item(models.Model):
    title = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField(Tag, blank=True)
    checked = models.BooleanField(default=False)  # set by the ItemChecker subscriber

    class Meta:
        db_table = schema_table("probe", "item")

    def __str__(self) -> str:
        return self.title


class ItemNote(models.Model):
    """Lives in the module's L1 memory schema, pointing into its main schema."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()

    class Meta:
        db_table = schema_table("mem0_probe", "item_note")

    def __str__(self) -> str:
        return self.text[:50]
