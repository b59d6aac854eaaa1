// Request checks that collect 422 errors field by field.
import { notFound, unprocessable, validationError } from './errors.js';

const BLANK = "can't be blank";
// Bounds that keep every line total and order total an exact JavaScript integer (< 2^53).
export const MAX_PRICE = 100_000_000; // one million euros
export const MAX_STOCK = 1_000_000;

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

// The body must be {"<wrapper>": {...}}; a missing wrapper, or a body that was not valid JSON,
// is reported as a blank wrapper.
export function unwrap(req, wrapper, { optional = false } = {}) {
  const inner = isObject(req.body) ? req.body[wrapper] : undefined;
  if (optional && inner === undefined) return {};
  if (!isObject(inner)) throw validationError({ [wrapper]: [BLANK] });
  return inner;
}

// Ids in URLs are BIGSERIAL values; anything else names nothing, so it is a 404.
export function parseId(value, resource) {
  if (typeof value !== 'string' || !/^[1-9]\d{0,17}$/.test(value)) throw notFound(resource);
  return value;
}

// An integer sent as a JSON number: a float or a string ("1999") is refused, money included.
export const isInteger = (value, min, max) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

// PostgreSQL text cannot hold NUL; refusing it here keeps a fuzzer's input a 422.
const isText = (value) => typeof value === 'string' && !value.includes('\0');

export class Checker {
  constructor(data) {
    this.data = data;
    this.errors = {};
  }

  has(field) {
    return Object.hasOwn(this.data, field);
  }

  add(field, message) {
    (this.errors[field] ||= []).push(message);
  }

  // A non-blank string (required unless optional, then only checked when present).
  string(field, { optional = false } = {}) {
    if (optional && !this.has(field)) return undefined;
    const value = this.data[field];
    if (!isText(value) || value.trim() === '') {
      this.add(field, BLANK);
      return undefined;
    }
    return value.trim();
  }

  // A string that may be empty.
  text(field) {
    if (!this.has(field)) return undefined;
    const value = this.data[field];
    if (!isText(value)) {
      this.add(field, 'must be a string');
      return undefined;
    }
    return value;
  }

  password(field) {
    const value = this.data[field];
    if (!isText(value) || value === '') {
      this.add(field, BLANK);
      return undefined;
    }
    if (value.length < 8) this.add(field, 'is too short (minimum is 8 characters)');
    else if (value.length > 128) this.add(field, 'is too long (maximum is 128 characters)');
    return value;
  }

  integer(field, { min, max, optional = false, message }) {
    if (optional && !this.has(field)) return undefined;
    const value = this.data[field];
    if (!isInteger(value, min, max)) {
      this.add(field, message);
      return undefined;
    }
    return value;
  }

  currency(field, { optional = false } = {}) {
    if (!this.has(field)) return optional ? undefined : 'EUR';
    if (this.data[field] !== 'EUR') {
      this.add(field, 'must be "EUR" (the only currency this shop sells in)');
      return undefined;
    }
    return 'EUR';
  }

  done() {
    if (Object.keys(this.errors).length > 0) throw validationError(this.errors);
  }
}

// A query-string integer: digits only (no "1e3", "0x10" or "12.5"), within [min, max].
export function queryInteger(query, name, { min, max, fallback }) {
  const raw = query[name];
  if (raw === undefined) return fallback;
  if (
    typeof raw !== 'string' ||
    !/^\d{1,15}$/.test(raw) ||
    Number(raw) < min ||
    Number(raw) > max
  ) {
    throw unprocessable(name, `must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}
