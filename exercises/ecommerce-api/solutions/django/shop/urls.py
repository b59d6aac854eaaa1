"""Every route of the Shop API (see the contract in the exercise's STAGES.md)."""

from django.urls import path
from store.views import cart, health, orders, payments, products, reports, users, webhooks

urlpatterns = [
    path("api/health", health.health),
    path("openapi.json", health.openapi),
    path("api/users", users.register),
    path("api/users/login", users.login),
    path("api/user", users.current),
    path("api/products", products.collection),
    path("api/products/<str:product_id>", products.item),
    path("api/cart", cart.view),
    path("api/cart/items/<str:product_id>", cart.item),
    path("api/orders", orders.collection),
    path("api/orders/<str:order_id>", orders.item),
    path("api/orders/<str:order_id>/history", orders.history),
    path("api/orders/<str:order_id>/cancel", orders.cancel),
    path("api/orders/<str:order_id>/fulfil", orders.fulfil),
    path("api/orders/<str:order_id>/deliver", orders.deliver),
    path("api/orders/<str:order_id>/payment", payments.create),
    path("api/orders/<str:order_id>/refunds", payments.refund),
    path("api/admin/reports/sales", reports.sales),
    path("webhooks/payments", webhooks.receive),
]

handler404 = "store.errors.not_found"
handler500 = "store.errors.server_error"
