from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_module_registry"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="moduleaccess",
            options={
                "default_permissions": (),
                "managed": False,
                "permissions": [
                    (
                        "view_operations",
                        "Can view operations: health detail, status, metrics, probes",
                    )
                ],
                "verbose_name": "module access",
                "verbose_name_plural": "module access",
            },
        ),
    ]
