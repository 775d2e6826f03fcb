"""Run the architecture rules over modules, and the Django system check that does it for the
installed ones (`manage.py check`, tag "cos")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.core import checks

from apps.core.architecture.rules import RULES, Definitions, Rule, Violation
from apps.core.architecture.sources import ModuleSource, installed_sources
from apps.core.modules.definition import ModuleConfig


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    violations: list[Violation]
    applied: bool = True  # False: the rule doesn't apply to this module (a test-only one)

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class ModuleReport:
    code: str
    results: list[RuleResult]

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def violations(self) -> list[Violation]:
        return [violation for result in self.results for violation in result.violations]


def check_modules(
    sources: Sequence[ModuleSource], modules: Definitions | None = None
) -> list[ModuleReport]:
    """Every rule for each module. `modules`: the definitions rules look across (publish
    sources, requirements); by default those of `sources`."""
    known = modules if modules is not None else {s.code: s.definition for s in sources}
    return [
        ModuleReport(
            source.code,
            [
                RuleResult(rule, rule.check(source, known))
                if rule.applies_to(source)
                else RuleResult(rule, [], applied=False)
                for rule in RULES
            ],
        )
        for source in sources
    ]


def check_installed(codes: Iterable[str] = ()) -> list[ModuleReport]:
    """The installed modules (only `codes`, when given), checked against all installed ones."""
    everything = installed_sources()
    known = {source.code: source.definition for source in everything}
    wanted = set(codes)
    unknown = sorted(wanted - known.keys())
    if unknown:
        raise LookupError(f"No installed COS module with code {', '.join(map(repr, unknown))}.")
    return check_modules([s for s in everything if not wanted or s.code in wanted], known)


def report_data(reports: Sequence[ModuleReport]) -> dict[str, Any]:
    """The reports as plain data (`modulecheck --json`)."""
    return {
        "ok": all(report.ok for report in reports),
        "modules": [
            {
                "code": report.code,
                "ok": report.ok,
                "rules": [
                    {
                        "id": result.rule.id,
                        "title": str(result.rule.title),
                        "ok": result.ok,
                        "applied": result.applied,
                        "errors": [
                            {
                                "id": v.rule,
                                "file": v.file,
                                "line": v.line,
                                "message": v.message,
                                "hint": v.hint,
                            }
                            for v in result.violations
                        ],
                    }
                    for result in report.results
                ],
            }
            for report in reports
        ],
    }


@checks.register("cos")
def architecture_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """cos.E001-E006 for the installed modules (those of `app_configs`, when given)."""
    codes = [c.definition.code for c in app_configs or () if isinstance(c, ModuleConfig)]
    if app_configs is not None and not codes:
        return []  # checking only apps that aren't COS modules
    if codes:
        reports = check_installed(codes)
    else:  # every module: what the admin's Architecture page shows, so it keeps the reports
        from apps.core.architecture import cached  # imports this module

        sources = installed_sources()
        reports = check_modules(sources, {source.code: source.definition for source in sources})
        cached.remember(sources, reports)
    return [
        checks.Error(
            violation.message,
            hint=violation.hint,
            obj=violation.location or f"module '{violation.module}'",
            id=violation.rule,
        )
        for report in reports
        for violation in report.violations
    ]
