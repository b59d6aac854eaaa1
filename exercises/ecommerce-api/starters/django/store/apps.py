"""The app's configuration. Stage accounts seeds the admin at start-up: connect a function to
django.db.models.signals.post_migrate in ready(), since `migrate` runs before every start."""

from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "store"
