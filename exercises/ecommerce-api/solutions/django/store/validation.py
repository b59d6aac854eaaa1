"""Field checks with the contract's messages. Each raises ApiError(422) naming the field."""

from .errors import ApiError

# Bounds that keep every sum of money inside a BIGINT: a price of 10 million euros times a
# stock of 10 million is 10^16 minor units, far below 2^63.
MAX_PRICE = 1_000_000_000
MAX_STOCK = 10_000_000
CURRENCY = "EUR"


def text(data: dict, field: str, *, required: bool = True, max_length: int = 200) -> str:
    """A non-blank string (surrounding spaces trimmed)."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApiError(422, field, "can't be blank")
        return ""
    if not isinstance(value, str):
        raise ApiError(422, field, "must be a string")
    if len(value) > max_length:
        raise ApiError(422, field, f"is too long (maximum is {max_length} characters)")
    return storable(value.strip(), field)


def storable(value: str, field: str) -> str:
    """PostgreSQL text cannot hold NUL characters: refuse them here rather than fail there."""
    if "\x00" in value:
        raise ApiError(422, field, "must not contain NUL characters")
    return value


def integer(value: object, field: str, minimum: int, maximum: int) -> int:
    """A JSON integer in [minimum, maximum]. Floats, strings and booleans are refused: money
    and quantities are whole numbers, and ``true`` is not 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, field, "must be an integer")
    if not minimum <= value <= maximum:
        raise ApiError(422, field, f"must be between {minimum} and {maximum}")
    return value


def currency(value: object) -> str:
    """The shop sells in euros only."""
    if value != CURRENCY:
        raise ApiError(422, "currency", f"must be {CURRENCY}")
    return CURRENCY


def query_int(raw: str | None, field: str, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter; a bad one is a 422, never a crash."""
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ApiError(422, field, "must be a whole number")
    return integer(int(raw), field, minimum, maximum)
