// GET /notes: query parameters checked by hand, a tag filter, sorting with ties broken by
// id, offset pages and keyset cursors.
import { COLUMNS, toNote } from './db.js';
import { Problem } from './problems.js';

const PARAMETERS = ['limit', 'offset', 'cursor', 'tag', 'sort'];
// sort value -> [column, direction]. Only these strings ever reach the SQL.
const SORTS = {
  createdAt: ['created_at', 'ASC'],
  '-createdAt': ['created_at', 'DESC'],
  title: ['title', 'ASC'],
  '-title': ['title', 'DESC'],
  priority: ['priority', 'ASC'],
  '-priority': ['priority', 'DESC'],
};
const DEFAULT_SORT = '-createdAt';
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

const bad = (parameter, detail) =>
  new Problem(400, `query parameter '${parameter}' ${detail}`, { errors: [{ parameter, detail }] });

function wholeNumber(query, name, fallback, low, high) {
  const raw = query[name];
  if (raw === undefined) return fallback;
  if (!/^-?[0-9]{1,30}$/.test(raw)) throw bad(name, `must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < low || value > high) throw bad(name, `must be between ${low} and ${high}, got ${raw}`);
  return value;
}

export function encodeCursor(sort, row) {
  const [column] = SORTS[sort];
  const value = typeof row[column] === 'bigint' ? Number(row[column]) : row[column];
  return Buffer.from(JSON.stringify({ s: sort, v: value, id: Number(row.id) })).toString('base64url');
}

function decodeCursor(cursor, sort) {
  let data;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('cursor', 'is not a cursor this server made');
  }
  if (!data || typeof data !== 'object' || !Number.isInteger(data.id) || !['number', 'string'].includes(typeof data.v)) {
    throw bad('cursor', 'is not a cursor this server made');
  }
  if (data.s !== sort) throw bad('cursor', `was made for sort=${data.s}, not sort=${sort}`);
  return [data.v, data.id];
}

// The list's query, or a 400 problem naming the first parameter that is wrong.
export function parseQuery(query) {
  for (const [name, value] of Object.entries(query)) {
    if (!PARAMETERS.includes(name)) throw bad(name, `is unknown (this list knows ${PARAMETERS.join(', ')})`);
    if (typeof value !== 'string') throw bad(name, 'is given more than once');
  }
  const parsed = {
    limit: wholeNumber(query, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: wholeNumber(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    tag: query.tag,
    sort: query.sort ?? DEFAULT_SORT,
    after: null,
  };
  if (!Object.hasOwn(SORTS, parsed.sort)) {
    throw bad('sort', `must be one of ${Object.keys(SORTS).join(', ')}, got ${JSON.stringify(parsed.sort)}`);
  }
  if (query.cursor !== undefined) {
    if (query.offset !== undefined) throw bad('cursor', 'cannot be combined with offset: a cursor already says where');
    parsed.after = decodeCursor(query.cursor, parsed.sort);
  }
  return parsed;
}

export function listNotes(db, q) {
  const where = [];
  const args = [];
  if (q.tag !== undefined) {
    where.push('EXISTS (SELECT 1 FROM json_each(notes.tags) WHERE json_each.value = ?)');
    args.push(q.tag);
  }
  const filtered = where.join(' AND ') || '1';
  const total = Number(db.prepare(`SELECT COUNT(*) AS n FROM notes WHERE ${filtered}`).get(...args).n);

  const [column, direction] = SORTS[q.sort];
  const pageWhere = [...where];
  const pageArgs = [...args];
  if (q.after) {
    // Keyset pagination: continue strictly after the previous page's last note, in
    // (sort value, id) order, whatever was added or deleted meanwhile.
    pageWhere.push(`(${column}, id) ${direction === 'ASC' ? '>' : '<'} (?, ?)`);
    pageArgs.push(...q.after);
  }
  const sql =
    `SELECT ${COLUMNS} FROM notes WHERE ${pageWhere.join(' AND ') || '1'} ` +
    `ORDER BY ${column} ${direction}, id ${direction} LIMIT ? OFFSET ?`;
  // One row more than the page: if it comes back, there is a next page.
  const rows = db.prepare(sql).all(...pageArgs, q.limit + 1, q.offset);
  const page = rows.slice(0, q.limit);
  const more = rows.length > q.limit;
  return {
    items: page.map(toNote),
    total,
    nextCursor: more ? encodeCursor(q.sort, page[page.length - 1]) : null,
  };
}
