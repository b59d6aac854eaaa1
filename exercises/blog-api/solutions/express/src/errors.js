// Errors in the RealWorld format: {"errors": {"<key>": ["<message>"]}}.

export class HttpError extends Error {
  constructor(status, errors) {
    super(`HTTP ${status}`);
    this.status = status;
    this.errors = errors;
  }
}

const one = (status, key, message) => new HttpError(status, { [key]: [message] });

export const validationError = (errors) => new HttpError(422, errors);
export const unauthorized = (message = 'is missing') => one(401, 'token', message);
export const forbidden = (resource) => one(403, resource, 'forbidden');
export const notFound = (resource) => one(404, resource, 'not found');
export const conflict = (errors) => new HttpError(409, errors);

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
  // Errors raised by express.json() (body-parser) carry a 4xx status.
  if (err.type === 'entity.too.large') {
    res.status(413).json({ errors: { body: ['is too large'] } });
    return;
  }
  if (Number.isInteger(err.status) && err.status >= 400 && err.status < 500) {
    res.status(err.status).json({ errors: { request: [err.expose ? err.message : 'is invalid'] } });
    return;
  }
  console.error(`${req.method} ${req.originalUrl} failed:`, err);
  res.status(500).json({ errors: { server: ['internal error'] } });
}
