"""cc's event types, subscribers and periodic jobs."""

from apps.cc import services
from apps.core.schedule import periodic


@periodic(every=3600, name="cc.clean_expired_notes")
def clean_expired_notes() -> int:
    return services.clean_expired_notes()
