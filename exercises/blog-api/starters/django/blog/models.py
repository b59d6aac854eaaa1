"""Your tables, as Django models. Add users for stage 2, articles later...

After changing a model run `python manage.py makemigrations blog`; the run command applies the
migrations (`python manage.py migrate`) before the server starts.
"""

from django.db import models


class ArticleTag(models.Model):
    """A tag on an article. When you write Article (stage create-article), make ``article`` a
    ForeignKey to it (on_delete=models.CASCADE) and run makemigrations."""

    article_id = models.BigIntegerField()
    tag = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article_id", "tag"], name="article_tag")]
