"""Shared set-up for the intermediate SQL graders: a small shop, new and random for every run.

Each test builds a :class:`Shop` from the run's ``uid`` (plus a salt naming the test), seeds it
into a fresh PostgreSQL database of the run's cluster, runs the learner's SQL file against it
and compares what comes back with what this module computes in Python from the same data. No
reference query is involved: the expected rows are derived from the generated rows alone.

The data is shaped to expose lazy answers: ids are random (so neither id order nor insertion
order is the order asked for), customers place two orders at the same second, some products
tie on units sold (first and third place), the order history spans two Januaries, orders fall
an hour either side of a month's end in UTC, some customers have no orders or only cancelled
ones, the category tree is seven levels deep with branches, product weights sit on both sides
of 1000 in text order, and some products lack the attribute keys others have.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

# The schema the grader seeds. The starter's schema.sql is a copy for the learner's own
# experiments; grading never reads the learner's copy.
SCHEMA = """
CREATE TABLE customers (
    id      integer PRIMARY KEY,
    name    text NOT NULL,
    email   text NOT NULL UNIQUE,
    country text
);

CREATE TABLE categories (
    id        integer PRIMARY KEY,
    parent_id integer REFERENCES categories (id),
    name      text NOT NULL UNIQUE
);

CREATE TABLE products (
    id          integer PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    name        text NOT NULL,
    category_id integer NOT NULL REFERENCES categories (id),
    price_cents integer NOT NULL CHECK (price_cents > 0),
    attrs       jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE orders (
    id          integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    placed_at   timestamptz NOT NULL,
    status      text NOT NULL CHECK (status IN ('paid', 'shipped', 'cancelled')),
    total_cents integer NOT NULL CHECK (total_cents >= 0)
);

CREATE TABLE order_items (
    order_id         integer NOT NULL REFERENCES orders (id),
    product_id       integer NOT NULL REFERENCES products (id),
    quantity         integer NOT NULL CHECK (quantity > 0),
    unit_price_cents integer NOT NULL CHECK (unit_price_cents > 0),
    PRIMARY KEY (order_id, product_id)
);

CREATE TABLE stock (
    sku        text PRIMARY KEY,
    quantity   integer NOT NULL CHECK (quantity >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE carts (
    id          integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    status      text NOT NULL CHECK (status IN ('active', 'checked_out', 'abandoned')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cart_items (
    cart_id    integer NOT NULL REFERENCES carts (id),
    product_id integer NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL,
    PRIMARY KEY (cart_id, product_id)
);
"""

CATEGORY_WORDS = [
    "Audio",
    "Cables",
    "Kitchen",
    "Garden",
    "Office",
    "Toys",
    "Books",
    "Sport",
    "Lighting",
    "Storage",
    "Tools",
    "Travel",
    "Bath",
    "Pets",
    "Music",
    "Camera",
    "Phones",
    "Desk",
    "Coffee",
    "Outdoor",
    "Bikes",
    "Paint",
    "Baby",
    "Games",
    "Clocks",
    "Tea",
    "Rugs",
    "Lamps",
    "Bags",
    "Knives",
    "Tents",
    "Maps",
    "Pens",
    "Frames",
    "Mirrors",
    "Fans",
    "Heaters",
    "Plants",
    "Seeds",
    "Shoes",
]
FIRST = [
    "Ada",
    "Ben",
    "Cleo",
    "Dara",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jon",
    "Kai",
    "Lea",
    "Max",
    "Nia",
    "Oto",
    "Pia",
    "Rui",
    "Sol",
    "Tom",
    "Uma",
]
LAST = [
    "Berg",
    "Costa",
    "Dahl",
    "Eder",
    "Falk",
    "Gray",
    "Holm",
    "Ito",
    "Juhl",
    "Kern",
    "Lund",
    "Moss",
    "Nagy",
    "Ortiz",
    "Popa",
    "Quist",
]
COLOURS = ("black", "white", "red", "blue", "green", "silver")
COUNTRIES = ("DE", "FR", "NL", "ES", "IT", "PL", None)
TREE_DEPTH = 7  # the deepest category sits this many levels below its root
MONTHS = 15  # the order history's length: it always covers two Januaries


# -- rows ------------------------------------------------------------------------------------


@dataclass
class Customer:
    id: int
    name: str
    email: str
    country: str | None


@dataclass
class Category:
    id: int
    parent_id: int | None
    name: str


@dataclass
class Product:
    id: int
    sku: str
    name: str
    category_id: int
    price_cents: int
    attrs: dict


@dataclass
class Order:
    id: int
    customer_id: int
    placed_at: datetime
    status: str
    total_cents: int = 0


@dataclass
class Item:
    order_id: int
    product_id: int
    quantity: int
    unit_price_cents: int


@dataclass
class Cart:
    id: int
    customer_id: int
    status: str
    created_at: datetime


def literal(value: object) -> str:
    """``value`` as a SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, dict | list):
        return literal(json.dumps(value)) + "::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def inserts(table: str, columns: str, rows: list[tuple]) -> str:
    """One multi-row INSERT (or nothing for no rows)."""
    if not rows:
        return ""
    values = ",\n".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} ({columns}) VALUES\n{values};\n"


def month_of(ts: datetime) -> str:
    """'YYYY-MM' of a moment, in UTC."""
    return ts.astimezone(UTC).strftime("%Y-%m")


# -- the shop --------------------------------------------------------------------------------


@dataclass
class Shop:
    """A randomized shop: rows to seed, and the answers to every question the stages ask."""

    rng: random.Random
    customers: list[Customer] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    stock: dict[str, int] = field(default_factory=dict)
    stock_updated: datetime = datetime(2020, 1, 1, tzinfo=UTC)
    carts: list[Cart] = field(default_factory=list)
    cart_items: list[tuple[int, int, int]] = field(default_factory=list)
    # What the data was built to contain (for messages).
    crowded: list[int] = field(default_factory=list)  # the categories with many products
    tie_first_category: int = 0  # two products tie for rank 1 here
    tie_third_category: int = 0  # two products tie for rank 3 here
    tied_customers: list[int] = field(default_factory=list)  # two orders in the same second
    month_starts: list[datetime] = field(default_factory=list)
    no_orders: list[int] = field(default_factory=list)
    only_cancelled: list[int] = field(default_factory=list)

    # -- generation ----------------------------------------------------------------------

    @classmethod
    def build(cls, seed: str) -> Shop:
        shop = cls(rng=random.Random(seed))
        shop._make_categories()
        shop._make_products()
        shop._make_customers()
        shop._make_orders()
        shop._make_ties()
        shop._make_tier_edge()
        shop._make_stock()
        shop._make_carts()
        return shop

    def _ids(self, n: int, low: int, high: int) -> list[int]:
        return self.rng.sample(range(low, high), n)

    def _make_categories(self) -> None:
        rng = self.rng
        words = rng.sample(CATEGORY_WORDS, 30)
        ids = self._ids(30, 1, 400)
        depth: dict[int, int] = {}
        cats: list[Category] = []

        def add(parent: int | None) -> int:
            k = len(cats)
            cid = ids[k]
            cats.append(Category(cid, parent, f"{words[k]} {rng.randint(10, 99)}"))
            depth[cid] = 0 if parent is None else depth[parent] + 1
            return cid

        roots = [add(None) for _ in range(3)]
        node = roots[0]
        for _ in range(TREE_DEPTH):  # one chain down to the deepest level
            node = add(node)
        while len(cats) < 30:  # branches anywhere above the deepest level
            parent = rng.choice([c.id for c in cats if depth[c.id] < TREE_DEPTH])
            add(parent)
        self.categories = cats

    def depth(self) -> dict[int, int]:
        parent = {c.id: c.parent_id for c in self.categories}
        out: dict[int, int] = {}
        for c in self.categories:
            d, p = 0, parent[c.id]
            while p is not None:
                d, p = d + 1, parent[p]
            out[c.id] = d
        return out

    def _attrs(self) -> dict:
        rng = self.rng
        attrs: dict = {}
        roll = rng.random()
        if roll < 0.75:
            attrs["color"] = rng.choice(COLOURS)
        elif roll < 0.82:
            attrs["color"] = None  # present, but JSON null
        if rng.random() < 0.6:
            attrs["wireless"] = rng.random() < 0.55
        if rng.random() < 0.75:
            band = rng.random()
            if band < 0.45:  # under 1 kg, many starting with a digit above 1: '950' > '1000'
                attrs["weight_g"] = rng.randint(150, 999)
            elif band < 0.85:
                attrs["weight_g"] = rng.randint(1000, 9999)
            else:
                attrs["weight_g"] = rng.randint(10000, 25000)
        if rng.random() < 0.3:
            attrs["size"] = rng.choice(["S", "M", "L", "XL"])
        if rng.random() < 0.2:
            attrs["tags"] = rng.sample(["gift", "eco", "new", "sale"], 2)
        return attrs

    def _make_products(self) -> None:
        rng = self.rng
        n = 110
        ids = self._ids(n, 1, 9000)
        sku_numbers = self._ids(n, 1000, 9999)
        depth = self.depth()
        deepest = [c.id for c in self.categories if depth[c.id] == TREE_DEPTH]
        # Two categories get many products: the ties of the top-3 question are made there.
        crowded = rng.sample([c.id for c in self.categories if depth[c.id] < TREE_DEPTH], 2)
        products = []
        for k in range(n):
            if k < 8:
                cat = crowded[0]
            elif k < 16:
                cat = crowded[1]
            elif k < 18:
                cat = deepest[0]
            else:
                cat = rng.choice(self.categories).id
            prefix = next(c.name for c in self.categories if c.id == cat)[:3].upper()
            products.append(
                Product(
                    id=ids[k],
                    sku=f"{prefix}-{sku_numbers[k]}",
                    name=f"{prefix.title()} item {sku_numbers[k]}",
                    category_id=cat,
                    price_cents=rng.randint(3, 900) * 50 + rng.choice([0, 49, 99]),
                    attrs=self._attrs(),
                )
            )
        # Make sure the JSONB questions have answers on both sides of every trap.
        fixed = [
            {"color": "black", "wireless": True, "weight_g": 980},
            {"color": "black", "wireless": True, "weight_g": 1000},
            {"color": "black", "wireless": True, "size": "M"},
            {"color": "black", "wireless": False, "weight_g": 12000},
            {"color": "black", "weight_g": 250},
            {"color": "white", "wireless": True, "weight_g": 999},
            {"wireless": True, "weight_g": 1500},
            {"weight_g": 90},
            {},
        ]
        for p, attrs in zip(rng.sample(products[16:], len(fixed)), fixed, strict=True):
            p.attrs = dict(attrs)
        rng.shuffle(products)
        self.products = products
        self.crowded = crowded

    def _make_customers(self) -> None:
        rng = self.rng
        ids = self._ids(40, 1, 2000)
        self.customers = [
            Customer(
                id=cid,
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                email=f"c{cid}@shop.test",
                country=rng.choice(COUNTRIES),
            )
            for cid in ids
        ]

    def _make_orders(self) -> None:
        rng = self.rng
        year = rng.randint(2019, 2024)
        first_month = rng.choice([10, 11, 12])
        starts = []
        for k in range(MONTHS + 1):
            m = first_month - 1 + k
            starts.append(datetime(year + m // 12, m % 12 + 1, 1, tzinfo=UTC))
        self.month_starts = starts[:MONTHS]
        order_ids = self._ids(400, 10000, 99999)
        custs = [c.id for c in self.customers]
        rng.shuffle(custs)
        self.no_orders = custs[:4]
        self.only_cancelled = custs[4:6]
        buyers = custs[6:]
        big = buyers[:3]  # big spenders, so that "gold" is reachable
        orders: list[Order] = []

        def new_order(cust: int, when: datetime, status: str) -> Order:
            o = Order(order_ids[len(orders)], cust, when, status)
            orders.append(o)
            return o

        def random_time(month: int) -> datetime:
            span = (starts[month + 1] - starts[month]).total_seconds()
            return starts[month] + timedelta(seconds=rng.randrange(int(span)))

        for cust in self.only_cancelled:
            for _ in range(2):
                new_order(cust, random_time(rng.randrange(MONTHS)), "cancelled")
        for month in range(MONTHS):  # every month has orders
            for _ in range(rng.randint(8, 14)):
                cust = rng.choice(buyers)
                status = rng.choices(["paid", "shipped", "cancelled"], [55, 35, 10])[0]
                new_order(cust, random_time(month), status)
        for cust in big:
            for _ in range(6):
                new_order(cust, random_time(rng.randrange(MONTHS)), "shipped")
        for cust in buyers:  # every buyer has a kept order
            if not any(o.customer_id == cust and o.status != "cancelled" for o in orders):
                new_order(cust, random_time(rng.randrange(MONTHS)), "paid")
        # An hour either side of a month's end (UTC): a zone-dependent month moves them.
        for month in range(1, MONTHS):
            cust = rng.choice(buyers)
            new_order(cust, starts[month] - timedelta(minutes=rng.randint(1, 59)), "paid")
            new_order(cust, starts[month] + timedelta(minutes=rng.randint(1, 59)), "shipped")
        # Customers who placed two orders in the same second.
        self.tied_customers = rng.sample(buyers, 5)
        for cust in self.tied_customers:
            when = random_time(rng.randrange(MONTHS))
            new_order(cust, when, "paid")
            new_order(cust, when, rng.choice(["paid", "shipped"]))
        for o in orders:
            o.placed_at = o.placed_at.replace(microsecond=0)
        rng.shuffle(orders)
        self.orders = orders

        # Items: 1-4 products per order; some sold at an older price than today's.
        crowded_products = [p for p in self.products if p.category_id in self.crowded]
        for o in orders:
            pool = crowded_products if rng.random() < 0.5 else self.products
            for p in rng.sample(pool, rng.randint(1, 4)):
                self._add_item(o, p, rng.randint(1, 5))
        for cust in big:  # big spenders buy expensive things in bulk
            for o in [o for o in orders if o.customer_id == cust and o.status != "cancelled"]:
                dear = max(self.products, key=lambda p: p.price_cents)
                if not self._has_item(o.id, dear.id):
                    self._add_item(o, dear, rng.randint(3, 6))

    def _has_item(self, order_id: int, product_id: int) -> bool:
        return any(i.order_id == order_id and i.product_id == product_id for i in self.items)

    def _add_item(self, order: Order, product: Product, quantity: int) -> None:
        price = product.price_cents
        if self.rng.random() < 0.2:  # bought before the last price change
            price = max(50, price + self.rng.choice([-1, 1]) * self.rng.randint(1, 20) * 50)
        self.items.append(Item(order.id, product.id, quantity, price))
        order.total_cents += quantity * price

    def _make_ties(self) -> None:
        """Tie for first place in one crowded category and for third in the other; a cancelled
        order's bulk purchase would reorder the first category's top 3 if it were counted."""
        rng = self.rng
        kept = [o for o in self.orders if o.status != "cancelled"]

        def raise_to(product: Product, units: int) -> None:
            missing = units - self.units_sold().get(product.id, 0)
            if missing > 0:
                order = rng.choice([o for o in kept if not self._has_item(o.id, product.id)])
                self._add_item(order, product, missing)

        for cat, place in ((self.crowded[0], 1), (self.crowded[1], 3)):
            units = self.units_sold()
            ranked = sorted(
                (p for p in self.products if p.category_id == cat),
                key=lambda p: (-units.get(p.id, 0), p.id),
            )
            raise_to(ranked[place], units.get(ranked[place - 1].id, 0))
        self.tie_first_category, self.tie_third_category = self.crowded
        units = self.units_sold()
        ranked = sorted(
            (p for p in self.products if p.category_id == self.crowded[0]),
            key=lambda p: (units.get(p.id, 0), p.id),
        )
        cancelled = [o for o in self.orders if o.status == "cancelled"]
        order = rng.choice([o for o in cancelled if not self._has_item(o.id, ranked[0].id)])
        self._add_item(order, ranked[0], units.get(ranked[-1].id, 0) + 5)

    def _make_tier_edge(self) -> None:
        """Put a buyer just under the average spend (between 0.85 and 1 times it), where the
        tier depends on averaging over buyers only: counting the 6 customers without a kept
        order in the average lowers it by 15% and makes that buyer 'silver'."""
        rng = self.rng
        kept = self.kept_orders()
        spent: dict[int, int] = defaultdict(int)
        for o in kept:
            spent[o.customer_id] += o.total_cents
        buyers = len(spent)
        average = Fraction(sum(spent.values()), buyers)
        if any(0.87 * average <= s < 0.98 * average for s in spent.values()):
            return
        below = [c for c, s in spent.items() if s < 0.87 * average]
        cust = max(below, key=lambda c: (spent[c], c))
        # Adding x to one buyer raises the average by x / buyers: solve s + x = 0.93 (A + x/n).
        target = (Fraction(93, 100) * average - spent[cust]) / (1 - Fraction(93, 100) / buyers)
        product = max(
            (p for p in self.products if p.category_id not in self.crowded),
            key=lambda p: (p.price_cents, p.id),
        )
        order = rng.choice(
            [o for o in kept if o.customer_id == cust and not self._has_item(o.id, product.id)]
        )
        quantity = max(1, round(target / product.price_cents))
        self.items.append(Item(order.id, product.id, quantity, product.price_cents))
        order.total_cents += quantity * product.price_cents

    def _make_stock(self) -> None:
        self.stock = {p.sku: self.rng.randint(0, 40) for p in self.rng.sample(self.products, 30)}

    def _make_carts(self) -> None:
        rng = self.rng
        ids = iter(self._ids(100, 1, 5000))
        base = datetime(2024, 6, 1, tzinfo=UTC)
        for c in rng.sample(self.customers, 20):
            statuses = rng.sample(["checked_out", "checked_out", "abandoned", "checked_out"], 3)
            if rng.random() < 0.6:
                statuses.append("active")
            for s in statuses:
                when = base + timedelta(hours=rng.randrange(4000))
                self.carts.append(Cart(next(ids), c.id, s, when))
        for cart in self.carts:
            for p in rng.sample(self.products, rng.randint(1, 3)):
                self.cart_items.append((cart.id, p.id, rng.choice([1, 2, 3, 10, 99])))

    # -- seed SQL ------------------------------------------------------------------------

    def seed_sql(self) -> str:
        # Parents before children, so every row's category exists when it arrives.
        depth = self.depth()
        cats = sorted(self.categories, key=lambda c: depth[c.id])
        parts = [
            SCHEMA,
            inserts(
                "customers",
                "id, name, email, country",
                [(c.id, c.name, c.email, c.country) for c in self.customers],
            ),
            inserts(
                "categories", "id, parent_id, name", [(c.id, c.parent_id, c.name) for c in cats]
            ),
            inserts(
                "products",
                "id, sku, name, category_id, price_cents, attrs",
                [
                    (p.id, p.sku, p.name, p.category_id, p.price_cents, p.attrs)
                    for p in self.products
                ],
            ),
            inserts(
                "orders",
                "id, customer_id, placed_at, status, total_cents",
                [(o.id, o.customer_id, o.placed_at, o.status, o.total_cents) for o in self.orders],
            ),
            inserts(
                "order_items",
                "order_id, product_id, quantity, unit_price_cents",
                [(i.order_id, i.product_id, i.quantity, i.unit_price_cents) for i in self.items],
            ),
            inserts(
                "stock",
                "sku, quantity, updated_at",
                [(sku, q, self.stock_updated) for sku, q in self.stock.items()],
            ),
            inserts(
                "carts",
                "id, customer_id, status, created_at",
                [(c.id, c.customer_id, c.status, c.created_at) for c in self.carts],
            ),
            inserts("cart_items", "cart_id, product_id, quantity", self.cart_items),
            "ANALYZE;\n",
        ]
        return "\n".join(parts)

    def change_sales(self) -> tuple[str, str]:
        """Change the shop as it changes in use, here and in SQL: two new products (one sells
        at once, at a price other than its list price), a new order, an old order cancelled.
        The SQL to apply, and what it did in words."""
        rng = self.rng
        used = {p.id for p in self.products}
        new_ids = [i for i in range(9001, 9999) if i not in used][:2]
        cat = rng.choice(self.categories).id
        fresh = [
            Product(pid, f"NEW-{pid}", f"New item {pid}", cat, rng.randint(10, 90) * 100, {})
            for pid in new_ids
        ]
        units = self.units_sold()
        sold = rng.choice([p for p in self.products if units.get(p.id)])
        order = Order(
            max(o.id for o in self.orders) + 1,
            rng.choice(self.customers).id,
            datetime(2030, 1, 2, 12, 0, tzinfo=UTC),
            "paid",
        )
        lines = [
            Item(order.id, fresh[0].id, 3, fresh[0].price_cents - 100),
            Item(order.id, sold.id, 2, sold.price_cents + 100),
        ]
        order.total_cents = sum(i.quantity * i.unit_price_cents for i in lines)
        with_items = {i.order_id for i in self.items}
        victim = rng.choice([o for o in self.kept_orders() if o.id in with_items])
        sql = "\n".join(
            [
                inserts(
                    "products",
                    "id, sku, name, category_id, price_cents",
                    [(p.id, p.sku, p.name, p.category_id, p.price_cents) for p in fresh],
                ),
                inserts(
                    "orders",
                    "id, customer_id, placed_at, status, total_cents",
                    [(order.id, order.customer_id, order.placed_at, "paid", order.total_cents)],
                ),
                inserts(
                    "order_items",
                    "order_id, product_id, quantity, unit_price_cents",
                    [(i.order_id, i.product_id, i.quantity, i.unit_price_cents) for i in lines],
                ),
                f"UPDATE orders SET status = 'cancelled' WHERE id = {victim.id};\n",
            ]
        )
        self.products.extend(fresh)
        self.orders.append(order)
        self.items.extend(lines)
        victim.status = "cancelled"
        what = (
            f"added products {new_ids[0]} and {new_ids[1]}, order {order.id} (selling "
            f"{new_ids[0]} and {sold.id}) and cancelled order {victim.id}"
        )
        return sql, what

    # -- answers -------------------------------------------------------------------------

    def kept_orders(self) -> list[Order]:
        return [o for o in self.orders if o.status != "cancelled"]

    def units_sold(self) -> dict[int, int]:
        """product id -> units in orders that are not cancelled."""
        kept = {o.id for o in self.kept_orders()}
        units: dict[int, int] = defaultdict(int)
        for i in self.items:
            if i.order_id in kept:
                units[i.product_id] += i.quantity
        return dict(units)

    def customer_summary(self) -> list[tuple]:
        """(customer_id, name, orders, items, spent_cents, tier), biggest spender first."""
        kept = self.kept_orders()
        kept_ids = {o.id: o.customer_id for o in kept}
        orders: dict[int, int] = defaultdict(int)
        spent: dict[int, int] = defaultdict(int)
        items: dict[int, int] = defaultdict(int)
        for o in kept:
            orders[o.customer_id] += 1
            spent[o.customer_id] += o.total_cents
        for i in self.items:
            if i.order_id in kept_ids:
                items[kept_ids[i.order_id]] += i.quantity
        buyers = [c for c in spent if orders[c] > 0]
        average = Fraction(sum(spent[c] for c in buyers), len(buyers))

        def tier(cid: int) -> str:
            if orders[cid] == 0:
                return "none"
            if spent[cid] >= 2 * average:
                return "gold"
            return "silver" if spent[cid] >= average else "bronze"

        rows = [
            (c.id, c.name, orders[c.id], items[c.id], spent[c.id], tier(c.id))
            for c in self.customers
        ]
        return sorted(rows, key=lambda r: (-r[4], r[0]))

    def category_tree(self) -> list[tuple]:
        """(id, name, depth, path) for every category."""
        by_id = {c.id: c for c in self.categories}
        rows = []
        for c in self.categories:
            chain = [c]
            while chain[-1].parent_id is not None:
                chain.append(by_id[chain[-1].parent_id])
            path = " > ".join(x.name for x in reversed(chain))
            rows.append((c.id, c.name, len(chain) - 1, path))
        return rows

    def descendants(self, cid: int) -> set[int]:
        """``cid`` and every category below it."""
        out = {cid}
        grew = True
        while grew:
            more = {c.id for c in self.categories if c.parent_id in out} - out
            grew = bool(more)
            out |= more
        return out

    def subtree_products(self) -> list[tuple]:
        """(category_id, products in it or below it), by category id."""
        rows = []
        for c in self.categories:
            below = self.descendants(c.id)
            rows.append((c.id, sum(p.category_id in below for p in self.products)))
        return sorted(rows)

    def running_totals(self) -> list[tuple]:
        """(customer_id, order_id, placed_at, total_cents, running_total_cents)."""
        rows = []
        by_customer: dict[int, list[Order]] = defaultdict(list)
        for o in self.kept_orders():
            by_customer[o.customer_id].append(o)
        for cust in sorted(by_customer):
            running = 0
            for o in sorted(by_customer[cust], key=lambda o: (o.placed_at, o.id)):
                running += o.total_cents
                rows.append((cust, o.id, o.placed_at, o.total_cents, running))
        return rows

    def top_products(self) -> list[tuple]:
        """(category_id, product_id, units_sold, rank): RANK() <= 3 per category."""
        units = self.units_sold()
        rows = []
        for cat in sorted({p.category_id for p in self.products}):
            sold = [
                (units[p.id], p.id)
                for p in self.products
                if p.category_id == cat and units.get(p.id)
            ]
            for u, pid in sorted(sold, key=lambda x: (-x[0], x[1])):
                rank = 1 + sum(other > u for other, _ in sold)
                if rank <= 3:
                    rows.append((cat, pid, u, rank))
        return rows

    def monthly_revenue(self) -> list[tuple]:
        """(month, orders, revenue_cents, previous_revenue_cents, change_cents), UTC months."""
        count: dict[str, int] = defaultdict(int)
        revenue: dict[str, int] = defaultdict(int)
        for o in self.kept_orders():
            count[month_of(o.placed_at)] += 1
            revenue[month_of(o.placed_at)] += o.total_cents
        rows, previous = [], None
        for m in sorted(revenue):
            change = None if previous is None else revenue[m] - previous
            rows.append((m, count[m], revenue[m], previous, change))
            previous = revenue[m]
        return rows

    def product_sales(self) -> list[tuple]:
        """(product_id, sku, units_sold, revenue_cents) for every product, 0 when never sold."""
        kept = {o.id for o in self.kept_orders()}
        units: dict[int, int] = defaultdict(int)
        revenue: dict[int, int] = defaultdict(int)
        for i in self.items:
            if i.order_id in kept:
                units[i.product_id] += i.quantity
                revenue[i.product_id] += i.quantity * i.unit_price_cents
        return [(p.id, p.sku, units[p.id], revenue[p.id]) for p in self.products]

    def black_wireless(self) -> list[tuple]:
        """(id, sku) of black wireless products, by id."""
        return sorted(
            (p.id, p.sku)
            for p in self.products
            if p.attrs.get("color") == "black" and p.attrs.get("wireless") is True
        )

    def heavy_products(self) -> list[tuple]:
        """(id, sku, weight_g) weighing at least 1000 g, heaviest first."""
        rows = [
            (p.id, p.sku, p.attrs["weight_g"])
            for p in self.products
            if isinstance(p.attrs.get("weight_g"), int) and p.attrs["weight_g"] >= 1000
        ]
        return sorted(rows, key=lambda r: (-r[2], r[0]))

    def colour_counts(self) -> list[tuple]:
        """(color or None, products), most products first, then by colour, no colour last."""
        counts: dict[str | None, int] = defaultdict(int)
        for p in self.products:
            counts[p.attrs.get("color")] += 1
        return sorted(counts.items(), key=lambda r: (-r[1], r[0] is None, r[0] or ""))


# -- fixtures --------------------------------------------------------------------------------

# Session time zones far from UTC: a month taken in the session's zone instead of UTC moves the
# orders placed within an hour of a month's end into the neighbouring month.
FAR_ZONES = ("Pacific/Kiritimati", "Etc/GMT+12")


@dataclass
class Seeded:
    """A shop and the database it was seeded into."""

    shop: Shop
    db: Any
    zone: str
    project: Any

    def run(self, rel: str, params: dict | None = None) -> Any:
        """The learner's one-statement file ``rel`` run on this database: its Rows."""
        return self.db.query(self.project.sql(rel), params, source=rel)

    def script(self, rel: str) -> None:
        """The learner's file ``rel`` (several statements allowed) run on this database."""
        self.db.script(self.project.sql(rel), source=rel)


def zone_sql(zone: str) -> str:
    """Make ``zone`` the time zone of this session and of later connections to the database."""
    return (
        f"SET TIME ZONE '{zone}';\n"
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', "
        f"current_database(), '{zone}'); END $$;\n"
    )


@pytest.fixture(scope="session")
def seeded(uid, databases, project):
    """``seeded(name, extra_sql="")``: a shop of its own seeded into a new database (the same
    one for the same name within a run). ``extra_sql`` runs after the seed."""
    made: dict[str, Seeded] = {}

    def get(name: str, extra_sql: str = "") -> Seeded:
        if name not in made:
            shop = Shop.build(f"{uid}:{name}")
            zone = random.Random(f"{uid}:{name}:zone").choice(FAR_ZONES)
            seed = shop.seed_sql() + extra_sql + zone_sql(zone)
            made[name] = Seeded(shop, databases.postgres(name, seed=seed), zone, project)
        return made[name]

    return get
