import pytest
from django.contrib.auth.models import User


@pytest.fixture
def admin_client(client, highway):
    """A superuser "root" signed in to the admin (the audit trail names who acted)."""
    client.force_login(User.objects.create_superuser("root"))
    return client
