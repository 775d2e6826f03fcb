"""The module's event types, subscribers and periodic jobs."""

from apps.core.memory.jobs import note_cleanup_job

clean_expired_notes = note_cleanup_job("cms")
