// Request-body checks that collect RealWorld validation errors.
import { validationError } from './errors.js';

const BLANK = "can't be blank";

// The body must be {"<wrapper>": {...}}; a missing wrapper or a body that
// was not valid JSON is reported as a blank wrapper.
export function unwrap(req, wrapper) {
  const body = req.body;
  const inner = body && typeof body === 'object' && !Array.isArray(body) ? body[wrapper] : undefined;
  if (!inner || typeof inner !== 'object' || Array.isArray(inner)) {
    throw validationError({ [wrapper]: [BLANK] });
  }
  return inner;
}

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

  // A required (or, with optional, a present) non-blank string; returns it trimmed or not.
  string(field, { optional = false, trim = false } = {}) {
    if (optional && !this.has(field)) return undefined;
    const value = this.data[field];
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(field, BLANK);
      return undefined;
    }
    return trim ? value.trim() : value;
  }

  // A string or null; "" is stored as null.
  nullableString(field) {
    if (!this.has(field)) return undefined;
    const value = this.data[field];
    if (value === null || value === '') return null;
    if (typeof value !== 'string') {
      this.add(field, 'must be a string or null');
      return undefined;
    }
    return value;
  }

  password(field, { optional = false } = {}) {
    const value = this.string(field, { optional });
    if (value === undefined) return undefined;
    if (value.length < 8) this.add(field, 'is too short (minimum is 8 characters)');
    else if (value.length > 64) this.add(field, 'is too long (maximum is 64 characters)');
    return value;
  }

  // An array of strings; blank entries are dropped, duplicates removed.
  tagList(field) {
    if (!this.has(field)) return undefined;
    const value = this.data[field];
    if (!Array.isArray(value) || value.some((tag) => typeof tag !== 'string')) {
      this.add(field, 'must be an array of strings');
      return undefined;
    }
    return [...new Set(value.map((tag) => tag.trim()).filter(Boolean))];
  }

  done() {
    if (Object.keys(this.errors).length > 0) throw validationError(this.errors);
  }
}
