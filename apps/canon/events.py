"""The module's event types and periodic jobs.

Events (published on commit through core's outbox, by apps/canon/services.py):
canon.prd.archived, canon.note.archived, canon.trace.archived, canon.link.archived.
"""

from __future__ import annotations

from apps.canon import services
from apps.core.runtime.schedule import periodic


# The module's VERIFY_EVERY setting, read before each wait: a change applies without a restart.
@periodic(every="VERIFY_EVERY", name="canon.verify_recent", exclusive=True)
def verify_recent() -> str:
    """Check each chain's latest rows and keep the result (/status, /metrics, the admin)."""
    run = services.record_verification()
    return "ok" if run.ok else f"BROKEN: {run.problem}"
