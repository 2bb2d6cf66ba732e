// Builds the OpenAPI 3.1 document of the gateway (gen/openapi/crossdock.openapi.json)
// from the Swagger 2.0 document protoc-gen-openapiv2 generates: Scalar's upgrader
// converts it, then proto/openapi-v3.yaml adds the areas, the bearer scheme and the
// public routes, the error answers, the conventions and the examples, and Redocly's
// validator must find no problem before the file is written. Run by `make generate`.
//
//   node scripts/openapi/build.mjs <swagger.json> <openapi-v3.yaml> <descriptors.json> <out.json>
//
// descriptors.json is the protos' FileDescriptorSet as JSON (`buf build -o -#format=json`):
// which fields an answer always carries, marked `required` (enrich.mjs).

import { readFileSync, writeFileSync } from 'node:fs';
import { upgrade } from '@scalar/openapi-upgrader';
import { parse } from 'yaml';
import { enrich } from './enrich.mjs';
import { validate } from './validate.mjs';

const [swaggerPath, overlayPath, descriptorsPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: build.mjs <swagger.json> <openapi-v3.yaml> <descriptors.json> <out.json>');
  process.exit(2);
}

try {
  const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8'));
  const overlay = parse(readFileSync(overlayPath, 'utf8'));
  const descriptors = JSON.parse(readFileSync(descriptorsPath, 'utf8'));
  const doc = enrich(upgrade(swagger, '3.1'), overlay, descriptors);
  const text = JSON.stringify(doc, null, 2) + '\n';
  const problems = await validate(text, outPath);
  if (problems.length > 0) {
    console.error(`${outPath}: the OpenAPI 3.1 document is not valid:\n${problems.join('\n')}`);
    process.exit(1);
  }
  writeFileSync(outPath, text);
} catch (err) {
  console.error(`build.mjs: ${err.message}`);
  process.exit(1);
}
