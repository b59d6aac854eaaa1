// The payment provider: a small client for its API, and webhook signature checks.
import crypto from 'node:crypto';
import { config } from './config.js';
import { badGateway } from './errors.js';

// The provider answered, but with an error (a 4xx): callers decide what it means for them.
export class ProviderError extends Error {
  constructor(status, error) {
    super(`payment provider answered ${status}: ${error?.message ?? 'no message'}`);
    this.status = status;
    this.error = error ?? {};
  }
}

async function call(method, path, { body, idempotencyKey } = {}) {
  const headers = { Authorization: `Bearer ${config.paymentsApiKey}` };
  if (body) headers['Content-Type'] = 'application/json';
  // Every POST carries a key, so retrying after a lost answer never does the thing twice.
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(`${config.paymentsUrl}${path}`, {
      method,
      headers,
      body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    console.error(`payment provider ${method} ${path} failed:`, err.message);
    throw badGateway('the payment provider could not be reached, try again');
  }
  const payload = await response.json().catch(() => null);
  if (response.ok && payload) return payload;
  if (response.status >= 400 && response.status < 500) {
    throw new ProviderError(response.status, payload?.error);
  }
  console.error(`payment provider ${method} ${path} answered ${response.status}`);
  throw badGateway('the payment provider failed, try again');
}

// The key is derived from the order, so every retry of "pay order N" reaches the same intent.
export const createPaymentIntent = (order) =>
  call('POST', '/v1/payment_intents', {
    body: { amount: order.total, currency: 'eur', metadata: { order_id: String(order.id) } },
    idempotencyKey: `order-${order.id}-payment`,
  });

export const retrievePaymentIntent = (intentId) =>
  call('GET', `/v1/payment_intents/${encodeURIComponent(intentId)}`);

export const cancelPaymentIntent = (intentId) =>
  call('POST', `/v1/payment_intents/${encodeURIComponent(intentId)}/cancel`, {
    body: { cancellation_reason: 'requested_by_customer' },
    idempotencyKey: `intent-${intentId}-cancel`,
  });

export const createRefund = (refund, intentId) =>
  call('POST', '/v1/refunds', {
    body: { payment_intent: intentId, amount: refund.amount },
    idempotencyKey: `refund-${refund.id}`,
  });

// "Payments-Signature: t=<unix>,v1=<hex>": v1 is HMAC-SHA256 of "<t>.<raw body>". The HMAC is
// over the exact bytes received (re-serialised JSON would differ), compared in constant time,
// and an old timestamp is refused so a captured request cannot be replayed.
export function verifySignature(secret, rawBody, header, now = Date.now() / 1000) {
  const parts = (header || '').split(',').map((part) => part.trim().split('='));
  const stamps = parts.filter(([key]) => key === 't').map(([, value]) => value);
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => value || '');
  if (stamps.length !== 1 || !/^\d{1,12}$/.test(stamps[0]) || signatures.length === 0) return false;
  if (Math.abs(now - Number(stamps[0])) > config.webhookTolerance) return false;
  const expected = crypto
    .createHmac('sha256', secret)
    .update(`${stamps[0]}.`)
    .update(rawBody)
    .digest();
  return signatures.some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    // timingSafeEqual throws on different lengths; a wrong length is simply no match.
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}
