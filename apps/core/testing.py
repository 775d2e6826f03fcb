"""Helpers for module tests (modules may import apps.core, their tests included)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from apps.core.http import operations
from apps.core.modules import access


def grant(user: Any, module: str, *actions: str) -> Any:
    """Give `user` the module's permissions (access.VIEW, access.WRITE); returns the user
    reloaded, since Django caches permissions on the instance."""
    for action in actions or (access.VIEW,):
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="core", codename=access.codename(action, module)
            )
        )
    return get_user_model().objects.get(pk=user.pk)


def user_with_access(username: str, module: str, *, write: bool = False) -> Any:
    """A new active user who may view (and, with write=True, write to) `module`."""
    user = get_user_model().objects.create_user(username, password=f"pw-{username}-1")
    actions = (access.VIEW, access.WRITE) if write else (access.VIEW,)
    return grant(user, module, *actions)


def operator(username: str = "operator") -> Any:
    """A new active staff user with operations access (apps.core.http.operations)."""
    user = get_user_model().objects.create_user(
        username, password=f"pw-{username}-1", is_staff=True
    )
    app_label, codename = operations.PERMISSION.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return get_user_model().objects.get(pk=user.pk)


def grant_admin_views(user: Any, *app_labels: str) -> Any:
    """Give `user` Django's view permission on every model of these apps (what the admin asks
    before it shows a record); returns the user reloaded."""
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=app_labels, codename__startswith="view_"
        )
    )
    return get_user_model().objects.get(pk=user.pk)
