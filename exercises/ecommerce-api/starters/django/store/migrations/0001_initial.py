"""The first migration, empty on purpose: applying it makes `migrate` create Django's own
django_migrations table, so the schema exists (and /api/health answers) before you add a model.
`python manage.py makemigrations store` writes your models' migrations after this one."""

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
