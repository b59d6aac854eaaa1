"""Request models (the validation rules) and response models (the OpenAPI document).

Money and counts are ``StrictInt``: ``19.99``, ``19.0``, ``"1999"`` and ``true`` are all
refused with a 422, because an amount in minor units is an integer and nothing else.
"""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from .errors import BLANK

# Bounds that keep every sum of money inside a PostgreSQL bigint (and a JavaScript number).
MAX_PRICE = 100_000_000_00
MAX_COUNT = 1_000_000


def _text(value: str) -> str:
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
        raise PydanticCustomError("nul", "must not contain NUL characters")
    if not value.strip():
        raise PydanticCustomError("blank", BLANK)
    return value.strip()


def _optional_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul", "must not contain NUL characters")
    return value


def _password(value: str) -> str:
    # Not stripped: spaces are part of a password.
    if not value.strip():
        raise PydanticCustomError("blank", BLANK)
    if len(value) < 8:
        raise PydanticCustomError("short", "is too short (minimum is 8 characters)")
    return value


def _currency(value: str) -> str:
    if value != "EUR":
        raise PydanticCustomError("currency", "must be EUR (the only currency this shop sells in)")
    return value


# The pattern only documents the rule (the validators enforce it): not blank, no NUL.
_NOT_BLANK = {"pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"}
Text = Annotated[
    StrictStr, Field(max_length=200, json_schema_extra=_NOT_BLANK), AfterValidator(_text)
]
LongText = Annotated[StrictStr, Field(max_length=5000), AfterValidator(_optional_text)]
Password = Annotated[
    StrictStr,
    Field(max_length=200, json_schema_extra={**_NOT_BLANK, "minLength": 8}),
    AfterValidator(_password),
]
Currency = Annotated[
    StrictStr, Field(json_schema_extra={"enum": ["EUR"]}), AfterValidator(_currency)
]
Price = Annotated[StrictInt, Field(gt=0, le=MAX_PRICE)]
Stock = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_COUNT)]
Amount = Annotated[StrictInt, Field(gt=0, le=MAX_PRICE * MAX_COUNT)]


class Strict(BaseModel):
    # Unknown fields are ignored (a client may send more), but never stored.
    model_config = ConfigDict(extra="ignore")


# -- requests ----------------------------------------------------------------------------


class NewUser(Strict):
    email: Text
    username: Text
    password: Password


class RegisterRequest(Strict):
    user: NewUser


class Credentials(Strict):
    email: Text
    password: Text


class LoginRequest(Strict):
    user: Credentials


class NewProduct(Strict):
    name: Text
    description: LongText = ""
    price: Price
    currency: Currency = "EUR"
    stock: Stock


class CreateProductRequest(Strict):
    product: NewProduct


class ProductChanges(Strict):
    """Every field optional; an explicit null is refused like any other wrong type."""

    name: Text = None  # type: ignore[assignment]
    description: LongText = None  # type: ignore[assignment]
    price: Price = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    stock: Stock = None  # type: ignore[assignment]


class UpdateProductRequest(Strict):
    product: ProductChanges


class CartItemRequest(Strict):
    quantity: Quantity


class NewRefund(Strict):
    amount: Amount | None = None


class RefundRequest(Strict):
    refund: NewRefund = NewRefund()


# -- responses ---------------------------------------------------------------------------

Status = Literal[
    "pending", "paid", "fulfilled", "delivered", "cancelled", "partially_refunded", "refunded"
]


class ErrorResponse(BaseModel):
    errors: dict[str, list[str]] = Field(examples=[{"price": ["must be greater than 0"]}])


class User(BaseModel):
    email: str
    username: str
    role: Literal["customer", "admin"]
    token: str


class UserResponse(BaseModel):
    user: User


class Health(BaseModel):
    status: Literal["ok"]


class Product(BaseModel):
    id: str
    name: str
    description: str
    price: int
    currency: Literal["EUR"]
    stock: int
    createdAt: str
    updatedAt: str


class ProductResponse(BaseModel):
    product: Product


class ProductList(BaseModel):
    products: list[Product]
    productsCount: int


class Line(BaseModel):
    productId: str
    name: str
    unitPrice: int
    quantity: int
    lineTotal: int


class Cart(BaseModel):
    items: list[Line]
    total: int
    currency: Literal["EUR"]


class CartResponse(BaseModel):
    cart: Cart


class Order(BaseModel):
    id: str
    status: Status
    items: list[Line]
    total: int
    refundedAmount: int
    currency: Literal["EUR"]
    paymentIntentId: str | None
    createdAt: str
    updatedAt: str


class OrderResponse(BaseModel):
    order: Order


class OrderList(BaseModel):
    orders: list[Order]
    ordersCount: int


class Payment(BaseModel):
    intentId: str
    clientSecret: str
    amount: int
    currency: Literal["eur"]


class PaymentResponse(BaseModel):
    payment: Payment


class Refund(BaseModel):
    id: str
    amount: int
    status: Literal["pending"]


class RefundResponse(BaseModel):
    refund: Refund


class Change(BaseModel):
    from_: Status | None = Field(alias="from")
    to: Status
    at: str


class HistoryResponse(BaseModel):
    history: list[Change]


class Day(BaseModel):
    date: str
    orders: int
    revenue: int


class SalesReport(BaseModel):
    days: list[Day]


class Received(BaseModel):
    received: bool
