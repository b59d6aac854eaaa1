// Every error leaves the API as {"errors": {"<field or thing>": ["<message>"]}}.

export class HttpError extends Error {
  constructor(status, errors, headers = {}) {
    super(`HTTP ${status}`);
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }
}

export const unprocessable = (field, message = "can't be blank") => new HttpError(422, { [field]: [message] });
export const notFound = (thing) => new HttpError(404, { [thing]: ['not found'] });
export const forbidden = (thing) => new HttpError(403, { [thing]: ['forbidden'] });
export const unauthorized = (message) =>
  new HttpError(401, { token: [message] }, { 'WWW-Authenticate': 'Bearer' });

// Last route: anything that did not match is a JSON 404.
export function notFoundHandler(req, res) {
  res.status(404).json({ errors: { route: ['not found'] } });
}

// The one error-handling middleware: every error leaves as JSON.
// eslint-disable-next-line no-unused-vars
export function errorHandler(err, req, res, next) {
  if (err instanceof HttpError) {
    res.set(err.headers).status(err.status).json({ errors: err.errors });
    return;
  }
  // Errors raised by express.json() (a body that is not JSON) carry a 4xx status.
  if (Number.isInteger(err.status) && err.status >= 400 && err.status < 500) {
    res.status(err.status).json({ errors: { body: ['is not valid JSON'] } });
    return;
  }
  console.error(`${req.method} ${req.originalUrl} failed:`, err);
  res.status(500).json({ errors: { server: ['internal error'] } });
}
