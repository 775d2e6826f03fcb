"""Per-module access: `core.view_module_<code>` for reads, `core.write_module_<code>` for writes.

Granted in the admin like any Django permission (to a user, a group, or the user behind an
agent's token); superusers have both. The API (apps.core.rest.permissions) and the websockets
(apps.core.highway.livefeed_socket, module websocket routes) enforce them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

VIEW = "view"
WRITE = "write"


def codename(action: str, code: str) -> str:
    return f"{action}_module_{code}"


def permission(action: str, code: str) -> str:
    """The permission string `user.has_perm` takes, e.g. "core.view_module_cc"."""
    return f"core.{codename(action, code)}"


def may_view(user: Any, code: str) -> bool:
    return bool(user.is_active and user.has_perm(permission(VIEW, code)))


def may_write(user: Any, code: str) -> bool:
    return bool(user.is_active and user.has_perm(permission(WRITE, code)))


def ensure_module_permissions(**kwargs: Any) -> None:
    """post_migrate: a view and a write permission for every installed module."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from apps.core.models import ModuleAccess
    from apps.core.modules.registry import modules

    using = kwargs.get("using", "default")
    content_type = ContentType.objects.db_manager(using).get_for_model(
        ModuleAccess, for_concrete_model=False
    )
    for definition in modules():
        names = {
            VIEW: _("Can view module %(code)s") % {"code": definition.code},
            WRITE: _("Can write to module %(code)s") % {"code": definition.code},
        }
        for action, name in names.items():
            Permission.objects.db_manager(using).get_or_create(
                content_type=content_type,
                codename=codename(action, definition.code),
                defaults={"name": str(name)[:255]},
            )
