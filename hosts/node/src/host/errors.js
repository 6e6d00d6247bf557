/**
 * Raised by a credentials provider that cannot hand out a token. `problem` is one of
 * `unknown-connection`, `reauthorization-required`, `throttled` (give `retryAfterSeconds`) or
 * `unavailable`; the action then fails with a `credential` ZohoError.
 */
export class CredentialProblem extends Error {
  constructor(problem, message = problem, retryAfterSeconds = 0) {
    super(message);
    const problems = ['unknown-connection', 'reauthorization-required', 'throttled', 'unavailable'];
    if (!problems.includes(problem)) {
      throw new TypeError(`problem must be one of ${problems.join(', ')}, not ${problem}`);
    }
    this.name = 'CredentialProblem';
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * An error an action, poll or notification returned: `case` is the WIT case (`invalid-input`,
 * `rate-limited`, `transport`, ...), and the case's fields are properties (camelCase). An
 * invalid input's `message` starts with the input's name (`recordId: is required ...`).
 * Messages never contain a secret: the component redacts them.
 */
export class ZohoError extends Error {
  constructor(errorCase, fields) {
    const message = typeof fields === 'string'
      ? fields
      : Array.isArray(fields)
        ? `${fields.filter((r) => !r.success).length} of ${fields.length} records failed`
        : fields?.message ?? fields?.api?.message ?? errorCase;
    super(message);
    this.name = 'ZohoError';
    this.case = errorCase;
    if (Array.isArray(fields)) {
      this.results = fields;
    } else if (fields && typeof fields === 'object') {
      Object.assign(this, fields);
    }
    // A platform shows the message alone: an invalid input's starts with the input's name, and the
    // component words it to read on from there (`recordId is required: ...`).
    if (errorCase === 'invalid-input' && typeof fields?.input === 'string' && fields.input !== '') {
      this.message = `${fields.input} ${fields.message}`;
    }
  }
}
