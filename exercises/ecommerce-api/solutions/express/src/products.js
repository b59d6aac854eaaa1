// Product rows to JSON, and the ETag that changes with every update.

export const productJson = (row) => ({
  id: String(row.id),
  name: row.name,
  description: row.description,
  price: row.price,
  currency: row.currency,
  stock: row.stock,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

// The version column moves on every write (stock changes included), so a strong ETag of
// id and version is exact without hashing the body.
export const productEtag = (row) => `"p${row.id}-v${row.version}"`;
