"""COS's PostgreSQL backend (ENGINE `apps.core.db.postgres`): Django's, plus module schemas."""
