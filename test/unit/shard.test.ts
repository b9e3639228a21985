import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { inShard, jumpHash, parseShard, shardOf } from '../../src/core/shard.js';

describe('parseShard', () => {
  it.each([
    ['1/1', 1, 1],
    ['2/3', 2, 3],
    [' 3/3 ', 3, 3],
    ['1024/1024', 1024, 1024],
  ])('%s -> shard %d of %d', (text, index, count) => {
    expect(parseShard(text)).toEqual({ index, count });
  });

  it.each(['0/3', '4/3', '1/0', '1/1025', '1', '1/2/3', 'a/b', '-1/3', '1.5/3', ''])('%s is a usage error', (text) => {
    expect(() => parseShard(text)).toThrow(UsageError);
  });
});

describe('jumpHash', () => {
  // Vectors from the reference C++ code of Lamping and Veach, buckets 1..19 (as published with
  // the Go port github.com/dgryski/go-jump): an operator's own implementation must agree.
  it.each([
    [0n, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    [1n, [0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]],
    [0xdeadbeefn, [0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]],
    [0x0ddc0ffeebadf00dn, [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15]],
  ])('key %s matches the reference implementation', (key, buckets) => {
    expect(buckets.map((_, i) => jumpHash(key, i + 1))).toEqual(buckets);
  });
});

describe('shardOf', () => {
  const ids = Array.from({ length: 3000 }, (_, i) => String(1204567890000000 + i * 7919));

  it('is the jump hash of the first 8 bytes of sha1(reference id), 1-based', () => {
    for (const id of ids.slice(0, 50)) {
      const key = BigInt(`0x${createHash('sha1').update(id).digest('hex').slice(0, 16)}`);
      expect(shardOf(id, 7)).toBe(jumpHash(key, 7) + 1);
    }
  });

  it('spreads references evenly', () => {
    const counts = [0, 0, 0, 0];
    for (const id of ids) counts[shardOf(id, 4) - 1]!++;
    for (const count of counts) expect(count).toBeGreaterThan(600);
  });

  it('going from N to N+1 shards moves only what the new shard takes, about 1/(N+1)', () => {
    const moved = ids.filter((id) => shardOf(id, 5) !== shardOf(id, 6));
    expect(moved.every((id) => shardOf(id, 6) === 6)).toBe(true);
    expect(moved.length).toBeGreaterThan(ids.length / 6 - 100);
    expect(moved.length).toBeLessThan(ids.length / 6 + 100);
  });

  it('without --shard every reference is in', () => {
    expect(inShard('anything', undefined)).toBe(true);
    expect(ids.filter((id) => inShard(id, { index: 2, count: 3 })).length).toBeGreaterThan(800);
  });
});
