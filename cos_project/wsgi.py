"""WSGI entry point (HTTP only); COS is normally served through asgi.py."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cos_project.settings")
application = get_wsgi_application()
