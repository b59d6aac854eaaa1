// Errors as RFC 9457 problem details: every error of the API leaves through sendProblem().
import { STATUS_CODES } from 'node:http';

export class Problem extends Error {
  constructor(status, detail, { errors, headers } = {}) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
    this.headers = headers;
  }
}

export function sendProblem(res, status, detail, { errors, headers } = {}) {
  const body = { type: 'about:blank', title: STATUS_CODES[status] || 'Error', status, detail };
  if (errors && errors.length) body.errors = errors;
  if (headers) res.set(headers);
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

export const notFound = (id) => new Problem(404, `note ${id} does not exist`);
export const taken = (title) => new Problem(409, `another note already has the title ${JSON.stringify(title)}`);

// Last route: a path this API does not have.
export function unknownPath(req, res) {
  sendProblem(res, 404, `there is nothing at ${req.path}`);
}

// The one error middleware: our Problems, body-parser's 4xx errors, and crashes.
// eslint-disable-next-line no-unused-vars
export function errorHandler(err, req, res, next) {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  if (err instanceof Problem) {
    sendProblem(res, err.status, err.detail, err);
    return;
  }
  if (err.type === 'entity.parse.failed') {
    sendProblem(res, 400, `the body is not valid JSON: ${err.message}`);
    return;
  }
  if (Number.isInteger(err.status) && err.status >= 400 && err.status < 500) {
    sendProblem(res, err.status, err.expose ? err.message : 'the request is invalid');
    return;
  }
  console.error(`${req.method} ${req.originalUrl} failed:`, err);
  sendProblem(res, 500, 'the server failed; its log says why');
}
