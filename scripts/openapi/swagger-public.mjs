// Marks the public routes of the Swagger 2.0 document (gen/openapi/crossdock.swagger.json)
// as taking no token: protoc-gen-openapiv2 gives every operation the document's bearer
// requirement (proto/openapi.yaml), and proto/openapi-v3.yaml lists the routes that
// take none. Run by `make generate`, before build.mjs.
//
//   node scripts/openapi/swagger-public.mjs <swagger.json> <openapi-v3.yaml>

import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const [swaggerPath, overlayPath] = process.argv.slice(2);
if (!overlayPath) {
  console.error('usage: swagger-public.mjs <swagger.json> <openapi-v3.yaml>');
  process.exit(2);
}
const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8'));
const overlay = parse(readFileSync(overlayPath, 'utf8'));
// The v3 document's path form names path parameters in camelCase ({productId}); the
// v2 document's keeps the proto's ({product_id}): the routes are compared with the
// parameters' names left out.
const shape = (route) => route.replace(/\{[^}]*\}/g, '{}');
const open = new Set(overlay.public.map(shape));
for (const [path, item] of Object.entries(swagger.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (open.has(shape(`${method.toUpperCase()} ${path}`))) op.security = [];
  }
}
writeFileSync(swaggerPath, JSON.stringify(swagger, null, 2) + '\n');
