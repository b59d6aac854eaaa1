"""The one admin account, from $ADMIN_PASSWORD."""

import logging

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password

log = logging.getLogger("store")

ADMIN_EMAIL = "admin@shop.test"
ADMIN_USERNAME = "admin"


def seed_admin(**kwargs) -> None:
    """Create the admin, or bring its password in line with $ADMIN_PASSWORD.

    Runs after every `migrate` (so at every start): idempotent, never a second admin. Without
    ADMIN_PASSWORD there is no admin at all rather than one with a guessable password.
    """
    from .models import User

    if not settings.ADMIN_PASSWORD:
        log.warning("ADMIN_PASSWORD is not set: no admin account")
        return
    admin, created = User.objects.get_or_create(
        email=ADMIN_EMAIL,
        defaults={
            "username": ADMIN_USERNAME,
            "role": User.ADMIN,
            "password": make_password(settings.ADMIN_PASSWORD),
        },
    )
    if not created and (
        admin.role != User.ADMIN or not check_password(settings.ADMIN_PASSWORD, admin.password)
    ):
        admin.role = User.ADMIN
        admin.password = make_password(settings.ADMIN_PASSWORD)
        admin.save(update_fields=["role", "password"])
