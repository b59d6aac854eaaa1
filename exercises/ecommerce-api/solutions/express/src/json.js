// JSON request bodies where 1999.0 and 2e3 stay floats.
import express from 'express';

// JSON.parse turns 1999.0 into the integer 1999, so a float price would pass an integer check.
// Number literals written with a fraction or an exponent are turned into strings before
// parsing: every amount and count in this API is an integer, so they are refused with a 422.
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function markFloats(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // Copy a string literal whole, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)?.[0] ?? c;
      out += /[.eE]/.test(token) ? `"${token}"` : token;
      i += token.length;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

// A malformed body is treated as absent, so the route reports its missing field or wrapper as
// a 422 (express.json() would answer an HTML 400).
export function jsonBody() {
  const raw = express.raw({ type: ['application/json', '+json'], limit: '1mb' });
  return (req, res, next) =>
    raw(req, res, (err) => {
      if (err) return next(err);
      if (!Buffer.isBuffer(req.body)) {
        req.body = undefined;
        return next();
      }
      try {
        req.body = JSON.parse(markFloats(req.body.toString('utf8')));
      } catch {
        req.body = undefined;
      }
      next();
    });
}
