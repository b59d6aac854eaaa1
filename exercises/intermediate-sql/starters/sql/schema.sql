-- The shop's tables, exactly as the grader creates them. Grading never reads this file:
-- it is here so that you can build the same tables in your own database.

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
