import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { isExpander, parseReference } from '../../src/core/refs.js';
import { parseRefsText } from '../../src/app/refs-file.js';

describe('parseReference', () => {
  it.each([
    ['1204567890123456', '1204567890123456', undefined],
    ['https://app.asana.com/0/1201/list', '1201', 'project'],
    ['https://app.asana.com/0/1201/board', '1201', 'project'],
    ['https://app.asana.com/0/1201/1302', '1302', 'task'],
    ['https://app.asana.com/0/1201/1302/f', '1302', 'task'],
    ['https://app.asana.com/0/0/1302/f', '1302', 'task'],
    ['https://app.asana.com/1/1100/project/1201/list', '1201', 'project'],
    ['https://app.asana.com/1/1100/project/1201', '1201', 'project'],
    ['https://app.asana.com/1/1100/project/1201/task/1302', '1302', 'task'],
    ['https://app.asana.com/1/1100/task/1302', '1302', 'task'],
    ['https://app.asana.com/1/1100/task/1302?focus=true', '1302', 'task'],
    ['https://app.asana.com/0/goal/1500', '1500', 'goal'],
    ['  1204567890123456\n', '1204567890123456', undefined],
  ])('%s -> resource %s (%s)', (input, gid, type) => {
    const ref = parseReference(input);
    expect(ref).toMatchObject({ provider: 'asana', kind: 'resource', gid, id: gid });
    if (ref.kind === 'resource') expect(ref.resourceType).toBe(type);
  });

  it('workspace:<gid> selects the workspace stream', () => {
    expect(parseReference('workspace:1100')).toMatchObject({
      provider: 'asana',
      kind: 'workspace',
      gid: '1100',
      id: 'workspace:1100',
    });
  });

  it.each([
    ['projects:1100', 'projects', 'projects of workspace 1100'],
    ['team:1200', 'team', 'projects of team 1200'],
  ])('%s is an expander (%s)', (input, kind, label) => {
    const ref = parseReference(input);
    expect(ref).toMatchObject({ provider: 'asana', kind, gid: input.split(':')[1], id: input, label });
    expect(isExpander(ref)).toBe(true);
    expect(isExpander(parseReference('1100'))).toBe(false);
  });

  it.each(['projects:', 'projects:abc', 'team:', 'teams:1200', 'project:1100'])(
    '%s is a usage error listing the forms',
    (input) => {
      const error = thrown(() => parseReference(input));
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).hint).toMatch(/projects:<workspace gid>.*team:<team gid>/);
    },
  );

  it.each([
    ['box', 'all'],
    ['box:all', 'all'],
    ['box:changes', 'changes'],
    ['box:sync', 'sync'],
    ['box:admin_logs', 'admin_logs'],
    ['box:admin_logs_streaming', 'admin_logs_streaming'],
  ])('%s -> box stream %s', (input, streamType) => {
    expect(parseReference(input)).toMatchObject({ provider: 'box', streamType, id: `box:${streamType}` });
  });

  it.each([
    '',
    'abc',
    '12a4',
    'workspace:',
    'workspace:abc',
    'box:nope',
    'https://example.com/0/1201/list',
    'https://app.asana.com/0/1201/unknown-view',
    'https://app.asana.com/',
    'ftp://app.asana.com/0/1/list',
  ])('rejects %j with a usage error listing the accepted forms', (input) => {
    expect(() => parseReference(input)).toThrow(UsageError);
    try {
      parseReference(input);
    } catch (error) {
      expect((error as UsageError).hint).toContain('workspace:<gid>');
      expect((error as UsageError).hint).toContain('https://app.asana.com/0/<project>/list');
    }
  });
});

describe('parseRefsText', () => {
  it('skips comments and blank lines, keeps the order', () => {
    const refs = parseRefsText(
      '# export\n\n  1201  # launch\r\nprojects:1100\n\t\nhttps://app.asana.com/0/1202/list\nbox:changes',
      'refs.txt',
    );
    expect(refs.map((r) => r.id)).toEqual(['1201', 'projects:1100', '1202', 'box:changes']);
  });

  it('names the file and the 1-based line of a bad reference', () => {
    expect(() => parseRefsText('1201\n# fine\n\nnot-a-ref\n', 'refs.txt')).toThrow(
      /^refs\.txt:4: "not-a-ref" is not a resource reference$/,
    );
  });

  it('an empty or comment-only text has no reference', () => {
    expect(parseRefsText('', '-')).toEqual([]);
    expect(parseRefsText('# a\n\n# b\n', '-')).toEqual([]);
  });
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
