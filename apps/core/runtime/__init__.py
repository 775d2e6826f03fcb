"""Running COS: the embedded engines (PostgreSQL, Redis) that `serve` and the tests start when
no URL is set, and stop however the process ends (`engines.py`), and the periodic jobs with
their one-per-cluster lock (`schedule.py`). The relay and subscriber worker is
`apps.core.highway.worker`; the command is `manage.py serve`.
"""
