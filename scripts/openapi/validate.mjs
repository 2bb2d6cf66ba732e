// Validates the OpenAPI 3.1 document with Redocly's maintained validator: the
// structure against the specification, then the rules below. Any problem fails
// the build, so an invalid document is never written or served.

import { createConfig, lintFromString } from '@redocly/openapi-core';

// Redocly's recommended rules, each made an error. The exceptions are rules about
// style the protos cannot follow without noise: operationIds are the RPCs'
// Service_Method names, and a few paths end in a gRPC-style custom verb (":approve").
const rules = {
  'operation-4xx-response': 'error',
  'operation-operationId-unique': 'error',
  'operation-parameters-unique': 'error',
  'operation-summary': 'error',
  'operation-tag-defined': 'error',
  'path-declaration-must-exist': 'error',
  'path-not-include-query': 'error',
  'path-parameters-defined': 'error',
  'no-identical-paths': 'error',
  'no-ambiguous-paths': 'error',
  'no-invalid-media-type-examples': { severity: 'error', allowAdditionalProperties: false },
  'no-invalid-parameter-examples': 'error',
  'no-invalid-schema-examples': 'error',
  'no-unresolved-refs': 'error',
  'no-server-variables-empty-enum': 'error',
  'security-defined': 'error',
  'spec-components-invalid-map-name': 'error',
  struct: 'error',
  'tag-description': 'error',
  'info-license': 'off',
  'operation-operationId-url-safe': 'error',
  // PageRequest and SortOrder are flattened into query parameters, yet are worth a
  // type of their own in the TypeScript client.
  'no-unused-components': 'off',
};

// validate returns the problems Redocly finds in the document text, one line each.
export async function validate(text, name) {
  const config = await createConfig({ rules });
  const problems = await lintFromString({ source: text, absoluteRef: name, config });
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => `  ${p.ruleId}: ${p.message} (${p.location?.[0]?.pointer ?? ''})`);
}
