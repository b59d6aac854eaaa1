"""Every route of the Shop API. Replace a placeholder with your view when you reach its stage."""

from django.urls import path
from store.views import health, not_yet

urlpatterns = [
    path("api/health", health),
    path("api/users", not_yet({"POST": "accounts"})),
    path("api/users/login", not_yet({"POST": "accounts"})),
    path("api/user", not_yet({"GET": "accounts"})),
    path("api/products", not_yet({"GET": "catalog", "POST": "catalog"})),
    path(
        "api/products/<str:product_id>",
        not_yet({"GET": "catalog", "PUT": "catalog", "DELETE": "catalog"}),
    ),
    path("api/cart", not_yet({"GET": "cart"})),
    path("api/cart/items/<str:product_id>", not_yet({"PUT": "cart", "DELETE": "cart"})),
    path("api/orders", not_yet({"GET": "checkout", "POST": "checkout"})),
    path("api/orders/<str:order_id>", not_yet({"GET": "checkout"})),
    path("api/orders/<str:order_id>/payment", not_yet({"POST": "payment"})),
    path("webhooks/payments", not_yet({"POST": "webhooks"})),
    path("api/orders/<str:order_id>/cancel", not_yet({"POST": "lifecycle"})),
    path("api/orders/<str:order_id>/fulfil", not_yet({"POST": "lifecycle"})),
    path("api/orders/<str:order_id>/deliver", not_yet({"POST": "lifecycle"})),
    path("api/orders/<str:order_id>/refunds", not_yet({"POST": "refunds"})),
    path("api/orders/<str:order_id>/history", not_yet({"GET": "audit"})),
    path("api/admin/reports/sales", not_yet({"GET": "sales-report"})),
    path("openapi.json", not_yet({"GET": "openapi"})),
]

handler404 = "store.errors.not_found"
handler500 = "store.errors.server_error"
