// Tests the JSON Schema: the shipped config/mwan.schema.json is what `mwanctl schema` generates, and the examples point to it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema, configJsonSchemaText, SCHEMA_FILE } from './schema.ts';

const root = new URL('../', import.meta.url);

describe('configuration JSON Schema', () => {
  it(`${SCHEMA_FILE} is what \`mwanctl schema\` prints (regenerate: node cli/mwanctl.js schema > ${SCHEMA_FILE})`, () => {
    assert.equal(readFileSync(new URL(SCHEMA_FILE, root), 'utf8'), configJsonSchemaText());
  });

  it('describes the fields, their enums and defaults, and refuses unknown fields', () => {
    const schema = configJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { enum?: string[]; default?: unknown }>;
    };
    assert.deepEqual(schema.required, ['wans']);
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.properties.mode.enum, ['balanced', 'failover']);
    assert.equal(schema.properties.mode.default, 'balanced');
  });

  it('every example configuration names it on a yaml-language-server line', () => {
    const dir = fileURLToPath(new URL('config/', root));
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      assert.match(
        readFileSync(`${dir}${file}`, 'utf8'),
        /^# yaml-language-server: \$schema=\.\/mwan\.schema\.json$/m,
        file,
      );
    }
  });
});
