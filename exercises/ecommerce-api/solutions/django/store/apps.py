"""The app's start-up hook: seed the admin after every `migrate`."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StoreConfig(AppConfig):
    name = "store"

    def ready(self) -> None:
        from .seed import seed_admin

        post_migrate.connect(seed_admin, sender=self)
