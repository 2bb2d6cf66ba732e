// What the OpenAPI 3.1 document adds to the converted Swagger 2.0: see
// proto/openapi-v3.yaml, which holds the data, and docs/adr/0016-frontend-api.md.

import { addErrors, componentResponses, errorSchemas } from './errors.mjs';
import { exampleFor } from './examples.mjs';

const methods = ['get', 'put', 'post', 'delete', 'patch'];

// enrich returns doc (an OpenAPI 3.1 document converted from the generated Swagger
// 2.0) completed with what overlay (proto/openapi-v3.yaml) says. It throws on an
// operation of no area, a public route or an example naming nothing, so the
// overlay cannot silently fall behind the protos.
export function enrich(doc, overlay, descriptors) {
  doc.info.description = overlay.description;
  doc.servers = [{ url: '/', description: 'This gateway' }];
  doc.paths = { ...doc.paths, ...structuredClone(overlay.paths ?? {}) };

  const areaOf = new Map();
  for (const area of overlay.areas) for (const s of area.services) areaOf.set(s, area.name);
  doc.tags = overlay.areas.map(({ name, description }) => ({ name, description: description.trim() }));

  doc.components.schemas = { ...doc.components.schemas, ...errorSchemas };
  delete doc.components.schemas.rpcStatus;
  delete doc.components.schemas.protobufAny;
  doc.components.responses = componentResponses();
  doc.components.securitySchemes = {
    bearer: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The `tokens.accessToken` of `POST /v1/auth/login` (15 minutes; refresh with `POST /v1/auth/refresh`).',
    },
  };
  doc.security = [{ bearer: [] }];

  dropServiceOnly(doc);

  const publicRoutes = new Set(overlay.public);
  const seenPublic = new Set();
  const credentialRoutes = new Set(overlay.credentials ?? []);
  for (const route of credentialRoutes) {
    if (!publicRoutes.has(route)) throw new Error(`proto/openapi-v3.yaml: credential route ${route} is not public`);
  }
  const notFoundRoutes = new Set(overlay.notFound ?? []);
  const seenNotFound = new Set();
  const examples = new Map(Object.entries(overlay.examples ?? {}));
  const usedExamples = new Set();

  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of methods) {
      const op = item[method];
      if (!op) continue;
      const route = `${method.toUpperCase()} ${path}`;
      const service = op.operationId.split('_')[0];
      if (!op.tags?.every((t) => overlay.areas.some((a) => a.name === t))) {
        const area = areaOf.get(service);
        if (!area) throw new Error(`${route}: service ${service} is in no area of proto/openapi-v3.yaml`);
        op.tags = [area];
      }
      splitSummary(op);
      const isPublic = publicRoutes.has(route);
      if (isPublic) {
        op.security = [];
        seenPublic.add(route);
      }
      for (const [code, resp] of Object.entries(op.responses)) {
        if (code === '200' && resp.description === 'A successful response.') resp.description = 'OK';
      }
      addErrors(op, method, path, isPublic, credentialRoutes.has(route), notFoundRoutes.has(route));
      seenNotFound.add(route);
      mapQueryParameters(op);
      addIdempotencyHeader(op, doc.components.schemas);
      const media = op.requestBody?.content?.['application/json'];
      if (media) {
        if (examples.has(op.operationId)) {
          media.example = examples.get(op.operationId);
          usedExamples.add(op.operationId);
        } else if (media.example === undefined) {
          media.example = exampleFor(media.schema, doc.components.schemas);
        }
      }
    }
  }
  for (const route of publicRoutes) {
    if (!seenPublic.has(route)) throw new Error(`proto/openapi-v3.yaml: public route ${route} is not in the document`);
  }
  for (const route of notFoundRoutes) {
    if (!seenNotFound.has(route)) throw new Error(`proto/openapi-v3.yaml: notFound route ${route} is not in the document`);
  }
  for (const id of examples.keys()) {
    if (!usedExamples.has(id)) throw new Error(`proto/openapi-v3.yaml: example ${id} names no operation with a body`);
  }
  markAlwaysPresent(doc, descriptors, overlay.complete ?? []);
  return order(doc);
}

// dropServiceOnly leaves out of the document the request fields only services may
// send (their proto comments begin "Services only"): a browser's call with one is
// refused, so a frontend has no use for them, and its typed client should not offer
// them. The gRPC contract keeps them.
function dropServiceOnly(doc) {
  const serviceOnly = (d) => typeof d === 'string' && d.startsWith('Services only');
  for (const item of Object.values(doc.paths)) {
    for (const method of methods) {
      const op = item[method];
      if (op?.parameters) op.parameters = op.parameters.filter((p) => !serviceOnly(p.description));
    }
  }
  for (const schema of Object.values(doc.components.schemas)) {
    for (const [name, prop] of Object.entries(schema.properties ?? {})) {
      if (serviceOnly(prop.description)) {
        delete schema.properties[name];
        if (schema.required) schema.required = schema.required.filter((r) => r !== name);
      }
    }
  }
}

// markAlwaysPresent lists, as `required`, the properties an answer always carries:
// the gateway writes every field without presence (scalars, enums, lists and maps,
// zero and empty included: EmitDefaultValues) and leaves out only an unset message,
// `optional` scalar or oneof member. So a TypeScript client reads `status: string`,
// not `status?: string`. Only schemas that appear in answers and in no request are
// marked, since a request may leave any field out (the service says what it needs),
// except the overlay's `complete` schemas, which no request may send in part either
// (a Money needs both its currency and its amount). descriptors is the protos'
// FileDescriptorSet as JSON (`buf build -o -#format=json`); a schema named after no
// message (the error bodies, a webhook's) is left as it is.
function markAlwaysPresent(doc, descriptors, complete) {
  const always = new Map(); // "orders.v1.AfterSale" → ["afterSaleId", ...]
  for (const file of descriptors.file) {
    if (!file.package.startsWith('crossdock.')) continue;
    const pkg = file.package.slice('crossdock.'.length);
    for (const msg of file.messageType ?? []) {
      const names = (msg.field ?? [])
        .filter((f) => f.label === 'LABEL_REPEATED' || (f.type !== 'TYPE_MESSAGE' && f.oneofIndex === undefined))
        .map((f) => f.jsonName);
      always.set(`${pkg}.${msg.name}`, names);
    }
  }
  // openapi_naming_strategy=simple names a schema after its message, qualified by
  // package only where two packages share the name.
  const byShortName = new Map();
  for (const key of always.keys()) {
    const short = key.slice(key.lastIndexOf('.') + 1);
    byShortName.set(short, byShortName.has(short) ? null : key);
  }
  const messageOf = (schema) => (schema.includes('.') ? (always.has(schema) ? schema : null) : byShortName.get(schema));

  const schemas = doc.components.schemas;
  const requests = new Set();
  const answers = new Set();
  for (const item of Object.values(doc.paths)) {
    for (const method of methods) {
      const op = item[method];
      if (!op) continue;
      reach(op.requestBody, schemas, requests);
      reach(op.parameters, schemas, requests);
      for (const [code, resp] of Object.entries(op.responses ?? {})) {
        if (code.startsWith('2')) reach(resp, schemas, answers);
      }
    }
  }
  for (const name of complete) {
    if (!schemas[name]) throw new Error(`proto/openapi-v3.yaml: complete schema ${name} is not in the document`);
  }
  for (const name of answers) {
    const schema = schemas[name];
    const message = messageOf(name);
    if (!message || schema.type !== 'object' || (requests.has(name) && !complete.includes(name))) continue;
    const required = always.get(message).filter((p) => schema.properties?.[p] !== undefined);
    if (required.length > 0) schema.required = required;
  }
}

// reach adds to seen every schema node refers to, directly or through other schemas.
function reach(node, schemas, seen) {
  if (Array.isArray(node)) {
    for (const v of node) reach(v, schemas, seen);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
      const name = v.slice('#/components/schemas/'.length);
      if (!seen.has(name) && schemas[name]) {
        seen.add(name);
        reach(schemas[name], schemas, seen);
      }
    } else {
      reach(v, schemas, seen);
    }
  }
}

// addIdempotencyHeader declares the Idempotency-Key header on the operations whose
// body has an idempotencyKey field: the only ones whose service reads the header
// (pkg/idempotency), as the body field's stand-in. Commands that take another id
// (a checkout's checkoutId, an after-sale's requestId) read no header.
function addIdempotencyHeader(op, schemas) {
  const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
  const schema = ref && schemas[ref.split('/').pop()];
  if (!schema?.properties?.idempotencyKey) return;
  op.parameters = [
    ...(op.parameters ?? []),
    {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'The idempotency key, when the body does not carry it as `idempotencyKey`: printable ASCII, at most 128 bytes, sent once.',
      schema: { type: 'string', maxLength: 128 },
    },
  ];
}

// mapQueryParameters describes each map field of a query as one deepObject parameter.
// protoc-gen-openapiv2 writes a map<string, V> field as a parameter literally named
// `specValues[string]`, which no client can send; grpc-gateway reads one
// `specValues[key]=value` pair per entry, which is OpenAPI's deepObject style (and
// openapi-fetch's default for an object in a query).
function mapQueryParameters(op) {
  for (const [i, param] of (op.parameters ?? []).entries()) {
    const m = param.in === 'query' && /^(.+)\[string\]$/.exec(param.name);
    if (!m) continue;
    const name = m[1];
    const description = [param.description, `One \`${name}[key]=value\` pair per entry, e.g. \`${name}[colour]=red\`.`]
      .filter(Boolean)
      .join(' ');
    op.parameters[i] = {
      name,
      in: 'query',
      required: false,
      description,
      style: 'deepObject',
      explode: true,
      schema: { type: 'object', additionalProperties: param.schema ?? { type: 'string' } },
    };
  }
}

// splitSummary keeps the first sentence of the proto comment as the summary, and the
// whole comment as the description when it says more: the reference lists summaries.
function splitSummary(op) {
  const full = [op.summary, op.description].filter(Boolean).join('\n\n').trim();
  if (!full) return;
  const flat = full.replace(/\s*\n\s*/g, ' ');
  const end = flat.search(/\.(\s|$)/);
  op.summary = end < 0 ? flat : flat.slice(0, end + 1);
  if (op.summary === flat) delete op.description;
  else op.description = full;
}

// order writes the top-level fields in the specification's order, so the file reads
// as people expect and diffs stay small.
function order(doc) {
  const keys = ['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components'];
  const out = {};
  for (const k of keys) if (doc[k] !== undefined) out[k] = doc[k];
  for (const [k, v] of Object.entries(doc)) if (!(k in out)) out[k] = v;
  return out;
}
