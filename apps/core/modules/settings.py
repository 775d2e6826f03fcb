"""Module settings: defaults, environment overrides and start-up validation."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.core.modules.definition import ModuleDefinition

ENV_SETTING = re.compile(r"^COS_(?P<code>[A-Z][A-Z0-9_]*?)__(?P<name>[A-Z0-9_]+)$")


def settings_from_environment(
    environ: Mapping[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """`COS_CC__PAGE_SIZE=50` becomes {"cc": {"PAGE_SIZE": "50"}}."""
    found: dict[str, dict[str, str]] = {}
    for key, value in (os.environ if environ is None else environ).items():
        match = ENV_SETTING.match(key)
        if match:
            found.setdefault(match["code"].lower(), {})[match["name"]] = value
    return found


def resolve_module_settings(definition: ModuleDefinition) -> dict[str, Any]:
    configured: Mapping[str, Any] = getattr(settings, "COS_MODULE_SETTINGS", {}).get(
        definition.code, {}
    )
    resolved: dict[str, Any] = {}
    for setting in definition.settings:
        env_name = f"COS_{definition.code.upper()}__{setting.name}"
        if setting.name in configured:
            raw = configured[setting.name]
        elif setting.required:
            raise ImproperlyConfigured(
                f"Module '{definition.code}' requires the setting '{setting.name}': "
                f"set {env_name} in the environment."
            )
        else:
            resolved[setting.name] = setting.default
            continue
        try:
            resolved[setting.name] = setting.cast(raw) if isinstance(raw, str) else raw
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"Module '{definition.code}' setting '{setting.name}' ({env_name}) "
                f"has an invalid value {raw!r}: {exc}"
            ) from exc
    return resolved
