"""Models to the contract's JSON shapes (camelCase, ids as strings, ISO 8601 in UTC)."""

import datetime as dt

from .models import Order, Product, User


def iso(moment: dt.datetime) -> str:
    """2026-11-29T09:00:00.000Z: milliseconds, always UTC."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def user(account: User, token: str) -> dict:
    return {
        "email": account.email,
        "username": account.username,
        "role": account.role,
        "token": token,
    }


def product(item: Product) -> dict:
    return {
        "id": str(item.id),
        "name": item.name,
        "description": item.description,
        "price": item.price,
        "currency": item.currency,
        "stock": item.stock,
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    }


def order(placed: Order) -> dict:
    items = sorted(placed.items.all(), key=lambda line: line.id)
    return {
        "id": str(placed.id),
        "status": placed.status,
        "items": [
            {
                "productId": str(line.product_id),
                "name": line.name,
                "unitPrice": line.unit_price,
                "quantity": line.quantity,
                "lineTotal": line.line_total,
            }
            for line in items
        ],
        "total": placed.total,
        "refundedAmount": placed.refunded_amount,
        "currency": placed.currency,
        "paymentIntentId": placed.payment_intent_id,
        "createdAt": iso(placed.created_at),
        "updatedAt": iso(placed.updated_at),
    }
