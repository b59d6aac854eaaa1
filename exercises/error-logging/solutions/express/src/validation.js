// The rules for request bodies. Every broken rule becomes one entry of a 422 problem's
// `errors`, pointing at its field; the values themselves are never echoed (a password).
import { Problem } from './problems.js';

const USERNAME = /^[A-Za-z0-9_.-]{3,40}$/;
const CARD_NUMBER = /^[0-9]{12,19}$/;
const CVC = /^[0-9]{3,4}$/;

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

function check(body, rules) {
  if (!isObject(body)) {
    throw new Problem(422, 'the body must be a JSON object', {
      errors: [{ pointer: '#', detail: 'must be a JSON object' }],
    });
  }
  const errors = [];
  for (const [pointer, ok, detail] of rules(body)) {
    if (!ok) errors.push({ pointer, detail });
  }
  if (errors.length) {
    const noun = errors.length === 1 ? 'field is' : 'fields are';
    throw new Problem(422, `${errors.length} ${noun} invalid`, { errors });
  }
  return body;
}

export function validateCredentials(body) {
  return check(body, (b) => [
    ['#/username', typeof b.username === 'string' && USERNAME.test(b.username), 'must be 3 to 40 letters, digits, ".", "_" or "-"'],
    ['#/password', typeof b.password === 'string' && b.password.length >= 8 && b.password.length <= 200, 'must be a string of 8 to 200 characters'],
  ]);
}

export function validateOrder(body) {
  return check(body, (b) => {
    const payment = isObject(b.payment) ? b.payment : {};
    return [
      ['#/item', typeof b.item === 'string' && b.item.length >= 1 && b.item.length <= 100, 'must be a string of 1 to 100 characters'],
      ['#/quantity', Number.isInteger(b.quantity) && b.quantity >= 1 && b.quantity <= 99, 'must be an integer from 1 to 99'],
      ['#/payment', isObject(b.payment), 'must be an object with card_number and cvc'],
      ['#/payment/card_number', !isObject(b.payment) || (typeof payment.card_number === 'string' && CARD_NUMBER.test(payment.card_number)), 'must be 12 to 19 digits'],
      ['#/payment/cvc', !isObject(b.payment) || (typeof payment.cvc === 'string' && CVC.test(payment.cvc)), 'must be 3 or 4 digits'],
    ];
  });
}
