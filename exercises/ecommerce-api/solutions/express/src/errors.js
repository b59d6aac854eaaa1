// Errors as JSON: {"errors": {"<field or thing>": ["<message>"]}}, for every status.

export class HttpError extends Error {
  constructor(status, errors) {
    super(`HTTP ${status}`);
    this.status = status;
    this.errors = errors;
  }
}

const one = (status, key, message) => new HttpError(status, { [key]: [message] });

export const badRequest = (key, message) => one(400, key, message);
export const unauthorized = (message) => one(401, 'token', message);
export const forbidden = () => one(403, 'user', 'is not allowed to do this');
export const notFound = (resource) => one(404, resource, 'not found');
export const conflict = (key, message) => one(409, key, message);
export const unprocessable = (key, message) => one(422, key, message);
export const validationError = (errors) => new HttpError(422, errors);
export const badGateway = (message) => one(502, 'payments', message);

// A documented path called with another method: 405 with the methods it has (RFC 9110).
export function methodNotAllowed(openapi) {
  const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
  const routes = Object.entries(openapi.paths).map(([template, item]) => ({
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    allow: METHODS.filter((method) => item[method]).map((method) => method.toUpperCase()),
  }));
  return (req, res, next) => {
    const route = routes.find(({ pattern }) => pattern.test(req.path));
    if (!route) return next();
    res.status(405).set('Allow', route.allow.join(', '));
    res.json({ errors: { method: [`${req.method} is not allowed here`] } });
  };
}

// Last route: anything that did not match is a JSON 404.
export function notFoundHandler(req, res) {
  res.status(404).json({ errors: { route: ['not found'] } });
}

// The one error-handling middleware: every error leaves as JSON.
// eslint-disable-next-line no-unused-vars
export function errorHandler(err, req, res, next) {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  if (err instanceof HttpError) {
    res.status(err.status).json({ errors: err.errors });
    return;
  }
  if (err.type === 'entity.too.large') {
    res.status(413).json({ errors: { body: ['is too large'] } });
    return;
  }
  if (Number.isInteger(err.status) && err.status >= 400 && err.status < 500) {
    res.status(err.status).json({ errors: { request: ['is invalid'] } });
    return;
  }
  // PostgreSQL class 22 is "data exception" (a NUL byte in text, a number out of range): input
  // the validators let through is still the client's fault, never a 500.
  if (typeof err.code === 'string' && err.code.startsWith('22')) {
    res.status(422).json({ errors: { request: ['is invalid'] } });
    return;
  }
  console.error(`${req.method} ${req.originalUrl} failed:`, err);
  res.status(500).json({ errors: { server: ['internal error'] } });
}
