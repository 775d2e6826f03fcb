"""The default API permission: signed in, the module enabled, and the module's permission.

The module is the URL namespace its api/urls.py is mounted under (/api/<code>/ -> <code>).
Reads need `core.view_module_<code>`, anything else `core.write_module_<code>`. Probes that
report on the whole system use OperationsAccess instead. Nothing in COS is public (AllowAny)
but what apps.core.tests.test_access_closed lists.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from apps.core import governance
from apps.core.modules import access


def module_of_request(request: Request) -> str | None:
    match = request.resolver_match
    if match is None or not match.namespaces:
        return None
    return match.namespaces[0]


class ModuleDisabled(PermissionDenied):
    default_code = "module_disabled"


class ModuleAccess(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 with WWW-Authenticate
        code = module_of_request(request)
        if code is None:
            return True
        # Permission before state: the reason a module is off is for those who may see it.
        if request.method in SAFE_METHODS:
            allowed = access.may_view(user, code)
            self.message = _("You may not view module '%(code)s'.") % {"code": code}
        else:
            allowed = access.may_write(user, code)
            self.message = _("You may not write to module '%(code)s'.") % {"code": code}
        if allowed:
            reason = governance.refusal(code)
            if reason is not None:
                raise ModuleDisabled(reason)
        return allowed


def checks_module_access(view: Any) -> bool:
    """Whether a DRF view callback runs ModuleAccess itself (then it reports a disabled module
    after authentication and permissions; otherwise the mounting gate does, first)."""
    cls = getattr(view, "cls", None)
    if cls is None:
        return False
    classes = getattr(view, "initkwargs", {}).get("permission_classes", cls.permission_classes)
    return any(isinstance(c, type) and issubclass(c, ModuleAccess) for c in classes)


class OperationsAccess(BasePermission):
    """The running system's detail (probes naming engines, errors, versions): operators only
    (apps.core.http.operations)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        from apps.core.http import operations

        self.message = _("Operations access is needed.")
        return operations.may_operate(request.user)
