"""The schema. Money is integer minor units (cents) in BIGINT columns, never floats."""

from django.db import models
from django.db.models.functions import Lower


class User(models.Model):
    CUSTOMER = "customer"
    ADMIN = "admin"

    email = models.CharField(max_length=254)
    username = models.CharField(max_length=150, unique=True)
    password = models.CharField(max_length=256)  # a Django password hash (scrypt), never plain
    role = models.CharField(max_length=16, default=CUSTOMER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Ann@x.test and ann@x.test are one mailbox: the database refuses the second, even
        # when two sign-ups race.
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]


class Product(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    price = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    stock = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The last line of defence against overselling: no code path can store negative stock.
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="stock_not_negative"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="price_positive"),
        ]
        indexes = [models.Index(fields=["-created_at", "-id"])]


class CartItem(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    quantity = models.IntegerField()

    class Meta:
        # One line per product: concurrent PUTs upsert on this key instead of adding twins.
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="cart_item_unique")]


class Order(models.Model):
    PENDING = "pending"
    PAID = "paid"
    FULFILLED = "fulfilled"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"

    user = models.ForeignKey(User, on_delete=models.PROTECT)
    status = models.CharField(max_length=32, default=PENDING)
    total = models.BigIntegerField()
    refunded_amount = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    payment_intent_id = models.CharField(max_length=255, null=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"]),
            models.Index(fields=["created_at"]),
        ]


class OrderItem(models.Model):
    """A line as it was sold: name and price are copied, so later catalog edits change nothing.

    ``product_id`` is a plain column, not a foreign key: deleting a product keeps its orders.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product_id = models.BigIntegerField()
    name = models.CharField(max_length=200)
    unit_price = models.BigIntegerField()
    quantity = models.IntegerField()
    line_total = models.BigIntegerField()


class StatusChange(models.Model):
    """The audit trail: one row per state change of an order, creation included."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=32, null=True)
    to_status = models.CharField(max_length=32)
    at = models.DateTimeField(auto_now_add=True)


class IdempotencyKey(models.Model):
    """A checkout's Idempotency-Key: the request it was used with and the answer it got."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.IntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Decides races: of two concurrent requests with one key, only one insert succeeds.
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]


class Refund(models.Model):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    amount = models.BigIntegerField()
    status = models.CharField(max_length=16, default=PENDING)
    provider_id = models.CharField(max_length=255, null=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class WebhookEvent(models.Model):
    """Provider events already applied; the unique id makes a redelivery a no-op."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
