// A note's rules. Every broken rule becomes one entry of a 422 problem's `errors`, with a
// JSON pointer to its field (#/title, #/tags/1), so clients can show what to fix where.
import { Problem } from './problems.js';

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

// `data` as a valid note, left-out optional fields filled with their defaults; or a 422.
export function validateNote(data) {
  if (!isObject(data)) {
    throw new Problem(422, 'the body must be a JSON object (a note)', {
      errors: [{ pointer: '#', detail: 'must be a JSON object' }],
    });
  }
  const errors = [];
  const bad = (pointer, detail) => errors.push({ pointer, detail });
  const { title, body = null, tags = [], priority = 3 } = data;

  if (typeof title !== 'string') bad('#/title', title === undefined ? 'is required' : 'must be a string');
  else if (title.trim() === '') bad('#/title', 'must not be blank');
  else if (title.length > 200) bad('#/title', 'must be at most 200 characters');

  if (body !== null && typeof body !== 'string') bad('#/body', 'must be a string or null');

  if (!Array.isArray(tags)) bad('#/tags', 'must be a list of strings');
  else {
    tags.forEach((tag, i) => {
      if (typeof tag !== 'string' || tag === '') bad(`#/tags/${i}`, 'must be a non-empty string');
    });
  }

  // typeof excludes "3" and true; Number.isInteger excludes 3.5.
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1 || priority > 5) {
    bad('#/priority', 'must be an integer from 1 to 5');
  }

  if (errors.length) {
    const noun = errors.length === 1 ? 'field is' : 'fields are';
    throw new Problem(422, `${errors.length} ${noun} invalid`, { errors });
  }
  return { title, body, tags, priority };
}

// RFC 7396 JSON Merge Patch: null removes a member, objects merge, anything else (a string,
// a number, a whole list) replaces what was there.
export function mergePatch(target, patch) {
  if (!isObject(patch)) return patch;
  const result = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
