"""Stage jsonb: containment, typed comparisons on ->>, missing keys, and a GIN index."""

import pytest

from learnpath.grading.checks import expect
from learnpath.grading.sql import expect_rows

BULK = 10_000
# Products that share keys with the question but never answer it: black ones that are not
# wireless, wireless ones without a colour, other colours. Enough rows that reading them all
# costs more than an index lookup.
BULK_SQL = f"""
INSERT INTO products (id, sku, name, category_id, price_cents, attrs)
SELECT 100000 + g, 'BULK-' || g, 'Bulk item ' || g, (SELECT min(id) FROM categories),
       500 + g % 1000,
       CASE g % 4
         WHEN 0 THEN jsonb_build_object(
             'color', (ARRAY['white', 'red', 'blue', 'green', 'silver'])[1 + g % 5],
             'wireless', g % 3 = 0, 'weight_g', 100 + g % 5000)
         WHEN 1 THEN jsonb_build_object('color', 'black', 'wireless', false)
         WHEN 2 THEN jsonb_build_object('wireless', true, 'size', 'M')
         ELSE jsonb_build_object('color', 'black', 'tags', jsonb_build_array('bulk'))
       END
FROM generate_series(1, {BULK}) AS g;
ANALYZE products;
"""
GIN_INDEXES = """
SELECT ic.relname, pg_get_indexdef(ic.oid), am.amname
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE t.relname = 'products'
"""


@pytest.mark.stage("jsonb")
def test_black_wireless(seeded):
    """07_black_wireless.sql: products whose attributes contain black and wireless: true"""
    s = seeded("jsonb")
    expect_rows(
        s.run("queries/07_black_wireless.sql"),
        s.shop.black_wireless(),
        ordered=True,
        columns=2,
        what=(
            '(id, sku) of the products whose attrs contain {"color": "black", "wireless": '
            "true}, by id (black products that are not wireless, or whose wireless key is "
            "missing, are not listed)"
        ),
    )


@pytest.mark.stage("jsonb")
def test_heavy_products(seeded):
    """08_heavy_products.sql: products of 1000 g or more, compared and sorted as numbers"""
    s = seeded("jsonb")
    expect_rows(
        s.run("queries/08_heavy_products.sql"),
        s.shop.heavy_products(),
        ordered=True,
        columns=3,
        what=(
            "(id, sku, weight_g) of the products with weight_g >= 1000, heaviest first, then by "
            "id. attrs ->> 'weight_g' is text, and as text '980' > '1000' and '9000' > '12000': "
            "cast it, (attrs ->> 'weight_g')::integer"
        ),
    )


@pytest.mark.stage("jsonb")
def test_colour_counts(seeded):
    """09_colour_counts.sql: products per colour, those without one counted under NULL"""
    s = seeded("jsonb")
    missing = next((n for colour, n in s.shop.colour_counts() if colour is None), 0)
    expect_rows(
        s.run("queries/09_colour_counts.sql"),
        s.shop.colour_counts(),
        ordered=True,
        columns=2,
        what=(
            f"(color, products) for every colour, most products first, then by colour; the "
            f"{missing} products without a colour (no key, or JSON null) in one row with color "
            "NULL, last among equal counts"
        ),
    )


@pytest.mark.stage("jsonb")
def test_gin_index_serves_containment(seeded):
    """indexes.sql: a GIN index answers 07_black_wireless.sql on a big catalogue"""
    s = seeded("jsonb-big", extra_sql=BULK_SQL)
    s.script("indexes.sql")
    s.db.execute("ANALYZE products")
    rel = "queries/07_black_wireless.sql"
    sql = s.project.sql(rel)
    expect_rows(
        s.db.query(sql, source=rel),
        s.shop.black_wireless(),
        ordered=True,
        columns=2,
        what=f"black wireless products among {BULK} more products (after indexes.sql)",
    )
    indexes = s.db.query(GIN_INDEXES).rows
    gin = {name for name, _, method in indexes if method == "gin"}
    listed = "; ".join(definition for _, definition, _ in indexes) or "none"
    expect(
        gin,
        f"expected indexes.sql to create a GIN index on products (CREATE INDEX ... ON products "
        f"USING gin (attrs)); the indexes on products are: {listed}",
    )
    plan = s.db.explain(sql)
    used = plan.index_names & gin
    expect(
        used,
        f"expected EXPLAIN ANALYZE of {rel} on {len(s.shop.products) + BULK} products to use the "
        f"GIN index ({', '.join(sorted(gin))}), but the plan is: {plan.text}. Only containment "
        'on the indexed column can use it: attrs @> \'{"color": "black", "wireless": '
        "true}' (not ->> comparisons, and not a GIN index on one key's expression). "
        f"Indexes on products: {listed}. {s.db.repro('EXPLAIN ANALYZE ' + sql.strip())}",
    )
