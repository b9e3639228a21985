// Reads what a request must look like from the official Asana spec (shared/specs/asana_oas.yaml,
// beside the repository), line by line like test/unit/spec-fields.test.ts: an operation's query
// parameters (its own and its path's, $refs resolved), which are required, and the properties of
// the JSON body's `data`. Enough to check every request a client sends; not a YAML parser.
import fs from 'node:fs';
import path from 'node:path';

/**
 * shared/specs/asana_oas.yaml beside the repository (where CI lays it), or beside a folder above
 * it (a git worktree under wt/ of the same checkout).
 */
function findSpec(): string {
  const first = path.resolve(import.meta.dirname, '../../../shared/specs/asana_oas.yaml');
  for (let dir = path.resolve(import.meta.dirname, '../../..'); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared/specs/asana_oas.yaml');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return first;
  }
}

export const ASANA_SPEC = findSpec();
export const haveAsanaSpec = fs.existsSync(ASANA_SPEC);

export interface SpecParameter {
  name: string;
  in: string;
  required: boolean;
}

export interface SpecOperation {
  operationId: string;
  parameters: SpecParameter[];
  /** The properties of requestBody.data and the required ones; undefined without a body. */
  body?: { properties: string[]; required: string[]; bodyRequired: boolean };
}

const indentOf = (line: string): number => /^ */.exec(line)![0].length;

/** The lines of the block that starts at `start` (deeper than its first line). */
function block(lines: string[], start: number): string[] {
  const base = indentOf(lines[start]!);
  const out: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (indentOf(line) <= base) break;
    out.push(line);
  }
  return out;
}

function findLine(lines: string[], text: string, from = 0): number {
  const at = lines.findIndex((l, i) => i >= from && l === text);
  if (at < 0) throw new Error(`no line "${text}" in the spec`);
  return at;
}

/** A list of parameters (`- name:` items and `- $ref:` items) inside `lines`, at item indent `indent`. */
function parameterList(all: string[], lines: string[], indent: number): SpecParameter[] {
  const out: SpecParameter[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (indentOf(line) !== indent || !line.trimStart().startsWith('- ')) continue;
    const ref = /- \$ref: '#\/components\/parameters\/([^']+)'/.exec(line);
    if (ref) {
      out.push(componentParameter(all, ref[1]!));
      continue;
    }
    const name = /- name: (\S+)/.exec(line)?.[1];
    if (!name) continue;
    const item: string[] = [];
    for (let j = i + 1; j < lines.length && indentOf(lines[j]!) > indent; j++) item.push(lines[j]!);
    const at = (key: string): string | undefined =>
      item
        .find((l) => indentOf(l) === indent + 2 && l.trim().startsWith(`${key}:`))
        ?.split(':')[1]
        ?.trim();
    out.push({ name, in: at('in') ?? 'query', required: at('required') === 'true' });
  }
  return out;
}

function componentParameter(lines: string[], id: string): SpecParameter {
  const section = findLine(lines, '  parameters:');
  const start = findLine(lines, `    ${id}:`, section);
  const body = block(lines, start);
  const at = (key: string): string | undefined =>
    body
      .find((l) => indentOf(l) === 6 && l.trim().startsWith(`${key}:`))
      ?.split(':')[1]
      ?.trim();
  return { name: at('name')!, in: at('in')!, required: at('required') === 'true' };
}

function schema(lines: string[], name: string): { properties: string[]; required: string[] } {
  const schemas = findLine(lines, '  schemas:');
  const body = block(lines, findLine(lines, `    ${name}:`, schemas));
  const section = (key: string): string[] => {
    const at = body.findIndex((l) => indentOf(l) === 6 && l.trim() === `${key}:`);
    if (at < 0) return [];
    const out: string[] = [];
    for (let i = at + 1; i < body.length && indentOf(body[i]!) > 6; i++) out.push(body[i]!);
    return out;
  };
  return {
    properties: section('properties')
      .filter((l) => indentOf(l) === 8 && /^\s*[A-Za-z_]+:$/.test(l))
      .map((l) => l.trim().slice(0, -1)),
    required: section('required').map((l) => l.trim().replace(/^- /, '')),
  };
}

/** The operation `method` of `pathKey` (as the spec writes it, e.g. /webhooks/{webhook_gid}). */
export function specOperation(lines: string[], pathKey: string, method: string): SpecOperation {
  const pathAt = findLine(lines, `  ${pathKey}:`);
  const pathBlock = block(lines, pathAt);
  const methodAt = pathBlock.findIndex((l) => l === `    ${method.toLowerCase()}:`);
  if (methodAt < 0) throw new Error(`no ${method} ${pathKey} in the spec`);
  const shared = parameterList(
    lines,
    pathBlock.slice(
      0,
      pathBlock.findIndex((l) => /^ {4}[a-z]+:$/.test(l) && l !== '    parameters:'),
    ),
    6,
  );
  const own = block(pathBlock, methodAt);
  const operationId = own
    .find((l) => l.trim().startsWith('operationId:'))!
    .split(':')[1]!
    .trim();
  const paramsAt = own.findIndex((l) => l === '      parameters:');
  const parameters = [...shared, ...(paramsAt < 0 ? [] : parameterList(lines, block(own, paramsAt), 8))];
  const bodyAt = own.findIndex((l) => l === '      requestBody:');
  let body: SpecOperation['body'];
  if (bodyAt >= 0) {
    const request = block(own, bodyAt);
    const ref = request.map((l) => /\$ref: '#\/components\/schemas\/([^']+)'/.exec(l)?.[1]).find(Boolean)!;
    body = { ...schema(lines, ref), bodyRequired: request.some((l) => l.trim() === 'required: true') };
  }
  return { operationId, parameters, body };
}

/** The `enum:` of one operation's opt_fields parameter (as test/unit/spec-fields.test.ts reads it). */
export function optFieldsEnum(lines: string[], operationId: string): string[] {
  const start = lines.findIndex((l) => l.trim() === `operationId: ${operationId}`);
  if (start < 0) throw new Error(`no operation ${operationId} in the spec`);
  const param = lines.findIndex((l, i) => i > start && l.trim() === '- name: opt_fields');
  const enumAt = lines.findIndex((l, i) => i > param && l.trim() === 'enum:');
  const indent = indentOf(lines[enumAt]!);
  const values: string[] = [];
  for (let i = enumAt + 1; i < lines.length; i++) {
    const match = /^(\s*)- (.+)$/.exec(lines[i]!);
    if (!match || match[1]!.length < indent) break;
    values.push(match[2]!.trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  return values;
}

export interface SentRequest {
  method: string;
  /** The path after the base URL (/webhooks/123), without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Every way `request` leaves the spec: an unknown path or method, a query parameter the operation
 * does not have, a required one missing, a body that is not {"data":{…}} with the schema's
 * required properties and none beside them. `templates` maps a path pattern to the spec's key.
 */
export function specViolations(lines: string[], request: SentRequest, templates: Array<[RegExp, string]>): string[] {
  const template = templates.find(([pattern]) => pattern.test(request.path))?.[1];
  if (!template) return [`${request.method} ${request.path}: no such path in the spec`];
  let operation: SpecOperation;
  try {
    operation = specOperation(lines, template, request.method);
  } catch (error) {
    return [(error as Error).message];
  }
  const where = `${operation.operationId} (${request.method} ${request.path})`;
  const out: string[] = [];
  const query = operation.parameters.filter((p) => p.in === 'query');
  for (const key of new Set(request.query.keys()))
    if (!query.some((p) => p.name === key)) out.push(`${where}: query parameter ${key} is not in the spec`);
  for (const p of query)
    if (p.required && !request.query.has(p.name)) out.push(`${where}: required query parameter ${p.name} is missing`);
  if (!operation.body) {
    if (request.body) out.push(`${where}: a body where the spec has none`);
    return out;
  }
  if (!request.body) {
    if (operation.body.bodyRequired) out.push(`${where}: the required body is missing`);
    return out;
  }
  const type = String(request.headers['content-type'] ?? '');
  if (!type.startsWith('application/json'))
    out.push(`${where}: the body is ${type || 'untyped'}, not application/json`);
  let data: unknown;
  try {
    data = (JSON.parse(request.body) as { data?: unknown }).data;
  } catch {
    return [...out, `${where}: the body is not JSON`];
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return [...out, `${where}: the body has no data object`];
  for (const key of Object.keys(data))
    if (!operation.body.properties.includes(key)) out.push(`${where}: data.${key} is not in the spec`);
  for (const key of operation.body.required) if (!(key in data)) out.push(`${where}: required data.${key} is missing`);
  return out;
}
