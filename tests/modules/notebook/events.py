from apps.core.memory.jobs import note_cleanup_job

clean_expired_notes = note_cleanup_job("notebook")
