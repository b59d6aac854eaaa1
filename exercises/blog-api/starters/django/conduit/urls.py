"""The routes of the Blog API. Add yours as the stages need them."""

from blog import views
from django.urls import path

urlpatterns = [
    path("api/tags", views.tags),
    path("api/users", views.register),
]

handler404 = "blog.errors.not_found"
handler500 = "blog.errors.server_error"
