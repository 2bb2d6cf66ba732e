// The error answers of every operation: one google.rpc.Status schema, the detail
// shapes the services send, and one reusable response per HTTP status the gateway
// can answer, chosen per operation by what the operation can run into.

// errorSchemas are added to components.schemas; Status replaces the converted
// rpcStatus, whose details were untyped.
export const errorSchemas = {
  Status: {
    type: 'object',
    description:
      'The body of every error (google.rpc.Status). `code` is the gRPC status code, ' +
      '`message` a text for people, `details` typed objects named by `@type`.',
    required: ['code', 'message', 'details'],
    properties: {
      code: { type: 'integer', format: 'int32', description: 'The gRPC status code, e.g. 3 for INVALID_ARGUMENT.' },
      message: { type: 'string', description: 'What went wrong, for people; do not parse it.' },
      details: {
        type: 'array',
        description: 'Typed details; bad input carries a google.rpc.BadRequest with the field violations.',
        items: {
          anyOf: [
            { $ref: '#/components/schemas/BadRequestDetail' },
            { $ref: '#/components/schemas/ErrorInfoDetail' },
            { $ref: '#/components/schemas/AnyDetail' },
          ],
        },
      },
    },
  },
  BadRequestDetail: {
    type: 'object',
    description: 'google.rpc.BadRequest: every field of the request that is wrong, and why.',
    required: ['@type', 'fieldViolations'],
    properties: {
      '@type': { const: 'type.googleapis.com/google.rpc.BadRequest' },
      fieldViolations: { type: 'array', items: { $ref: '#/components/schemas/FieldViolation' } },
    },
  },
  FieldViolation: {
    type: 'object',
    required: ['field', 'description'],
    properties: {
      field: { type: 'string', description: 'The path of the field in the request, e.g. `parcel.weightG`.' },
      description: { type: 'string', description: 'Why the value is refused.' },
    },
  },
  ErrorInfoDetail: {
    type: 'object',
    description: 'google.rpc.ErrorInfo: a machine-readable reason, e.g. `RATE_STALE`, and its domain.',
    required: ['@type', 'reason'],
    properties: {
      '@type': { const: 'type.googleapis.com/google.rpc.ErrorInfo' },
      reason: { type: 'string' },
      domain: { type: 'string' },
      metadata: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  AnyDetail: {
    type: 'object',
    description: 'Any other detail, named by its `@type`.',
    required: ['@type'],
    properties: { '@type': { type: 'string' } },
    additionalProperties: true,
  },
};

const status = (code, message, details = []) => ({ code, message, details });

// errorResponses are added to components.responses, keyed by HTTP status.
export const errorResponses = {
  400: {
    name: 'BadRequest',
    description: 'Bad input (with field violations), or a state that does not allow the call.',
    example: status(3, 'invalid request: parcel.weightG: must be positive', [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'parcel.weightG', description: 'must be positive' }],
      },
    ]),
  },
  401: {
    name: 'Unauthorized',
    description: 'No access token, or an expired or revoked one; on login and refresh, a wrong password or refresh token.',
    example: status(16, 'missing bearer token'),
  },
  403: { name: 'Forbidden', description: "The caller's role or ownership does not allow the call.", example: status(7, 'permission denied') },
  404: { name: 'NotFound', description: 'The object does not exist, or is not visible to the caller.', example: status(5, 'not found') },
  409: {
    name: 'Conflict',
    description: 'An idempotency key or a unique name reused with other parameters, or a concurrent change.',
    example: status(6, 'already exists'),
  },
  429: {
    name: 'TooManyRequests',
    description: 'Too many calls; wait for `Retry-After` seconds.',
    example: status(8, 'rate limit exceeded'),
    headers: {
      'Retry-After': { description: 'Seconds to wait before calling again.', schema: { type: 'integer' } },
    },
  },
  503: {
    name: 'Unavailable',
    description: 'A service is briefly unavailable; retry after `Retry-After` seconds when it is sent, else with backoff.',
    example: status(14, 'service unavailable'),
    headers: {
      'Retry-After': { description: 'Seconds to wait before calling again, when the service knows.', schema: { type: 'integer' } },
    },
  },
};

// componentResponses builds components.responses from errorResponses.
export function componentResponses() {
  const out = {};
  for (const r of Object.values(errorResponses)) {
    out[r.name] = {
      description: r.description,
      ...(r.headers ? { headers: r.headers } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Status' }, example: r.example } },
    };
  }
  out.Error = {
    description: 'Any other error (500 internal, 504 timeout), in the same shape.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Status' } } },
  };
  return out;
}

// statusesFor lists the HTTP error statuses an operation can answer: every call can
// be refused as bad input, rate-limited or meet an unavailable service; a call that
// takes a token can lack one or a permission, and a public call that checks a
// credential of its own (login, refresh) can be refused one; a call naming an object,
// in its path or by an id in its query or body (proto/openapi-v3.yaml's notFound),
// can miss it; a command can conflict.
export function statusesFor(method, path, isPublic, checksCredential = false, namesObject = false) {
  const out = [400];
  if (!isPublic) out.push(401, 403);
  else if (checksCredential) out.push(401);
  if (path.includes('{') || namesObject) out.push(404);
  if (method !== 'get') out.push(409);
  out.push(429, 503);
  return out;
}

// addErrors sets the error responses of one operation.
export function addErrors(op, method, path, isPublic, checksCredential = false, namesObject = false) {
  for (const code of statusesFor(method, path, isPublic, checksCredential, namesObject)) {
    op.responses[String(code)] = { $ref: `#/components/responses/${errorResponses[code].name}` };
  }
  op.responses.default = { $ref: '#/components/responses/Error' };
}
