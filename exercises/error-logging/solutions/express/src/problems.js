// Errors as RFC 9457 problem details: every error of the API leaves through sendProblem(),
// also the ones Express raises itself (unknown path, a body that is not JSON or too large).
import { STATUS_CODES } from 'node:http';
import { log } from './logger.js';

export const MAX_BODY = 16 * 1024;

export class Problem extends Error {
  constructor(status, detail, { errors, headers } = {}) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
    this.headers = headers;
  }
}

export function sendProblem(req, res, status, detail, { errors, headers } = {}) {
  const body = {
    type: 'about:blank', // no documentation page of our own: the status says it all
    title: STATUS_CODES[status] || 'Error',
    status,
    detail,
    instance: req.path,
    // What a client quotes when it reports the error; the same id is on our log lines.
    request_id: req.id,
  };
  if (errors && errors.length) body.errors = errors;
  if (headers) res.set(headers);
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

// For a path this API has, with a method it does not answer there.
export const methodNotAllowed = (allow) => (req, res) => {
  sendProblem(req, res, 405, `${req.method} is not allowed on ${req.path}`, { headers: { Allow: allow } });
};

// Last route: a path this API does not have.
export function unknownPath(req, res) {
  sendProblem(req, res, 404, `there is nothing at ${req.path}`);
}

// The one error middleware: our Problems, body-parser's 4xx errors, and crashes.
// eslint-disable-next-line no-unused-vars
export function errorHandler(err, req, res, next) {
  if (res.headersSent) {
    log.error(`error after the response started in ${req.method} ${req.path}`, { err });
    req.socket.destroy();
    return;
  }
  if (err instanceof Problem) {
    sendProblem(req, res, err.status, err.detail, err);
    return;
  }
  // body-parser's errors: their messages may quote the body (a password), so none is echoed.
  if (err.type === 'entity.parse.failed') {
    sendProblem(req, res, 400, 'the body is not valid JSON');
    return;
  }
  if (err.type === 'entity.too.large') {
    sendProblem(req, res, 413, `the body is larger than ${MAX_BODY} bytes`);
    return;
  }
  if (Number.isInteger(err.status) && err.status >= 400 && err.status < 500) {
    sendProblem(req, res, err.status, 'the request could not be read');
    return;
  }
  log.error(`unhandled error in ${req.method} ${req.path}`, { err });
  sendProblem(req, res, 500, `the server failed; quote the request id ${req.id} when you report it`);
}
