// --shard K/N: which of N processes follows a reference. Every process computes the same answer
// from the reference id alone, so N processes with the same list split it into disjoint covers
// without talking to each other.
//
// The bucket is Lamping and Veach's jump consistent hash ("A Fast, Minimal Memory, Consistent
// Hash Algorithm", 2014) of the first 8 bytes of sha1(reference id), read big-endian. Adding a
// reference moves no other one; going from N to N+1 shards moves about 1/(N+1) of them, all to
// the new shard. The reference id is what `events state list` shows as the subscription: the gid
// for a project, task or goal, `workspace:<gid>`, `box:<stream>`.
import { UsageError } from './errors.js';

export const MAX_SHARDS = 1024;

export interface Shard {
  /** 1-based, as operators count (systemd instance 1, 2, 3). */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || index < 1 || count < 1 || index > count || count > MAX_SHARDS) {
    throw new UsageError(
      `--shard must be K/N with 1 <= K <= N <= ${MAX_SHARDS}, not "${text}"`,
      'for example --shard 2/3 for the second of three processes',
    );
  }
  return { index, count };
}

const MASK64 = (1n << 64n) - 1n;

/** Jump consistent hash: the bucket in [0, buckets) of a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  let k = key & MASK64;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The 1-based shard of a reference id among `count` shards. */
export function shardOf(id: string, count: number): number {
  // node:crypto only when a shard is asked for: the settings table imports this module, and
  // `events --help` need not load crypto.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const key = createHash('sha1').update(id, 'utf8').digest().readBigUInt64BE(0);
  return jumpHash(key, count) + 1;
}

export function inShard(id: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOf(id, shard.count) === shard.index;
}
