// The client's opt_fields lists and the emulator's are separate tables; both must be the official
// spec's enums, operation by operation. The spec lives in shared/ beside the repository (where CI
// lays it); without it this test says why it is skipped.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPEC_OPT_FIELDS } from '../../src/emulator/asana-opt-fields.js';
import { CRAWL_FIELD_ENUMS } from '../../src/providers/asana/crawl-fields.js';

const SPEC = path.resolve(import.meta.dirname, '../../../shared/specs/asana_oas.yaml');
const haveSpec = fs.existsSync(SPEC);

/** The `enum:` list of the opt_fields parameter of one operation, read line by line. */
function optFieldsEnum(lines: string[], operationId: string): string[] {
  const start = lines.findIndex((l) => l.trim() === `operationId: ${operationId}`);
  if (start < 0) throw new Error(`no operation ${operationId} in the spec`);
  const param = lines.findIndex((l, i) => i > start && l.trim() === '- name: opt_fields');
  const enumAt = lines.findIndex((l, i) => i > param && l.trim() === 'enum:');
  const indent = /^\s*/.exec(lines[enumAt]!)![0].length;
  const values: string[] = [];
  for (let i = enumAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const match = /^(\s*)- (.+)$/.exec(line);
    if (!match || match[1]!.length < indent) break;
    values.push(match[2]!.trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  return values;
}

describe.skipIf(!haveSpec)(
  `opt_fields from the spec (${haveSpec ? SPEC : 'shared/specs/asana_oas.yaml not found beside the repository'})`,
  () => {
    const lines = haveSpec ? fs.readFileSync(SPEC, 'utf8').split('\n') : [];
    it.each(Object.keys(SPEC_OPT_FIELDS))("%s: the emulator and the client both hold the spec's enum", (operation) => {
      const spec = optFieldsEnum(lines, operation);
      expect(spec.length).toBeGreaterThan(2);
      expect([...SPEC_OPT_FIELDS[operation]!]).toEqual(spec);
      expect([...(CRAWL_FIELD_ENUMS[operation] ?? [])]).toEqual(spec);
    });
  },
);
