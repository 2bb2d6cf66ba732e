// Examples of request bodies built from their schemas, for the bodies that
// proto/openapi-v3.yaml gives no hand-written example: a frontend developer sees a
// body of the right shape with plausible values, and "try it" starts from it.

// byName gives plausible values to string fields by their name; the first match wins.
const byName = [
  [/currencyCode$|currency$/i, 'EUR'],
  [/countryCode$/i, 'PT'],
  [/regionCode$/i, 'PT-11'],
  [/email$/i, 'ana@example.com'],
  [/password$/i, 'correct horse battery staple'],
  [/phone$/i, '+351912345678'],
  [/locale$/i, 'de'],
  [/idempotencyKey$/i, 'request-2026-03-02-0001'],
  [/(Id|Ids)$/, '0195f3a2-7c1e-7b4a-9d2e-3f6a1b2c4d5e'],
  [/code$/i, 'sim'],
  [/url$/i, 'http://127.0.0.1:9301'],
  [/reason$|note$|comment$/i, 'Checked against the supplier sheet.'],
];

const maxDepth = 10;

// exampleFor builds a value matching schema; components resolves $refs.
export function exampleFor(schema, components, name = '', depth = 0) {
  if (!schema || depth > maxDepth) return undefined;
  if (schema.$ref) {
    const target = components[schema.$ref.replace('#/components/schemas/', '')];
    return exampleFor(target, components, name, depth + 1);
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum.find((v) => !String(v).endsWith('_UNSPECIFIED')) ?? schema.enum[0];
  if (schema.allOf) return exampleFor(schema.allOf[0], components, name, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      if (!schema.properties) return {};
      const out = {};
      for (const [key, prop] of Object.entries(schema.properties)) {
        if (prop.readOnly) continue;
        const v = exampleFor(prop, components, key, depth + 1);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    case 'array': {
      const item = exampleFor(schema.items, components, name, depth + 1);
      return item === undefined ? [] : [item];
    }
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'string':
      return stringExample(schema, name);
    default:
      return undefined;
  }
}

function stringExample(schema, name) {
  switch (schema.format) {
    case 'int64':
    case 'uint64':
      return '1000';
    case 'date-time':
      return '2026-03-02T08:15:00Z';
    case 'byte':
      return 'AAAA';
  }
  for (const [re, value] of byName) {
    if (re.test(name)) return value;
  }
  return name ? `example ${name}` : 'example';
}
