// Box's events surface: GET and OPTIONS /2.0/events, and the realtime server (/subscribe) that
// OPTIONS names, with Box's quirks: short pages while more remain, empty admin_logs pages with
// position 0, repeated and reordered entries on admin_logs_streaming.
import { BoxWorld, type BoxEvent } from './box-world.js';
import { Random } from './random.js';
import { boxError, json, type Incoming, type Reply } from './reply.js';

const USER_STREAMS = ['all', 'changes', 'sync'];
const ENTERPRISE_STREAMS = ['admin_logs', 'admin_logs_streaming'];

export interface BoxApiOptions {
  accessTokens?: string[];
  /** Tokens allowed to read enterprise streams; undefined: every token. */
  adminTokens?: string[];
  /** The emulator's own URL, for the realtime server address. */
  url: () => string;
  realtime: { retryTimeoutS: number; maxRetries: number; ttlMinutes: number };
  seed: number;
  violations: string[];
}

interface Channel {
  created: number;
  uses: number;
}

export class BoxApi {
  readonly #channels = new Map<string, Channel>();
  readonly #random: Random;
  #channelCount = 0;

  constructor(
    private readonly world: BoxWorld,
    private readonly options: BoxApiOptions,
  ) {
    this.#random = new Random(options.seed ^ 0x1234567);
  }

  handle(req: Incoming, path: string): Reply | Promise<Reply> {
    if (!req.token || (this.options.accessTokens && !this.options.accessTokens.includes(req.token))) {
      return boxError(401, 'Unauthorized', {
        'www-authenticate':
          'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."',
      });
    }
    if (path === '/events' && req.method === 'OPTIONS') return this.#options();
    if (path === '/events' && req.method === 'GET') return this.#events(req);
    if (path === '/events') return boxError(405, 'Method Not Allowed');
    if (path === '/users/me' && req.method === 'GET') return this.#me(req);
    return boxError(404, 'Not Found');
  }

  /** Long polls that carried an Authorization header: the real server ignores one (the official
   * SDKs send it), so this one answers them too, and counts them for the CLI's own tests, which
   * must never send the access token to another host. */
  realtimeAuthorized = 0;

  /**
   * The realtime server: answers new_change as soon as the user stream moves past a position. The
   * channel in the URL is the credential; a bearer token is ignored, as Box's server does.
   */
  async subscribe(req: Incoming): Promise<Reply> {
    if (req.headers['authorization'] !== undefined) this.realtimeAuthorized++;
    const channel = this.#channels.get(req.query.get('channel') ?? '');
    const position = req.query.get('stream_position');
    const { ttlMinutes, maxRetries, retryTimeoutS } = this.options.realtime;
    if (channel && position === null) this.options.violations.push('realtime server: GET without stream_position');
    if (channel && ++channel.uses > maxRetries)
      this.options.violations.push(
        `realtime server: URL used ${channel.uses} times, beyond max_retries ${maxRetries} (ask OPTIONS again)`,
      );
    if (
      !channel ||
      Date.now() - channel.created > ttlMinutes * 60_000 ||
      channel.uses > maxRetries ||
      position === null
    ) {
      return json(200, { message: 'reconnect' });
    }
    if (!this.world.issued('user', position))
      this.options.violations.push(
        `realtime server: stream_position ${position} was never handed out (rounded through a double?)`,
      );
    const index = this.world.index('user', position);
    if (index === undefined) return json(200, { message: 'reconnect' });
    if (index < this.world.user.length) return json(200, { message: 'new_change' });
    return new Promise<Reply>((resolve) => {
      const done = (reply: Reply): void => {
        clearTimeout(timer);
        cancel();
        resolve(reply);
      };
      const cancel = this.world.onAppend(() => done(json(200, { message: 'new_change' })));
      // The real server holds the request a while and then asks the client to come back.
      const timer = setTimeout(() => done(json(200, { message: 'reconnect' })), retryTimeoutS * 1000);
      req.signal.addEventListener('abort', () => done(json(200, { message: 'reconnect' })), { once: true });
    });
  }

  /** GET /users/me: the full user by default; with `fields`, the mini form plus those fields. */
  #me(req: Incoming): Reply {
    for (const key of req.query.keys()) {
      if (key !== 'fields') {
        this.options.violations.push(`GET /users/me: query parameter ${key} is not in the spec`);
        return boxError(400, `Unexpected query parameter ${key}`);
      }
    }
    const user = this.world.me;
    const fields = req.query
      .getAll('fields')
      .flatMap((f) => f.split(','))
      .filter(Boolean);
    if (fields.length === 0) return json(200, user);
    const out: Record<string, unknown> = {
      type: user['type'],
      id: user['id'],
      name: user['name'],
      login: user['login'],
    };
    for (const field of fields) if (field in user) out[field] = user[field];
    return json(200, out);
  }

  #options(): Reply {
    const id = `${(++this.#channelCount).toString(16).padStart(4, '0')}${this.#random.hex(16)}`;
    this.#channels.set(id, { created: Date.now(), uses: 0 });
    const { ttlMinutes, maxRetries, retryTimeoutS } = this.options.realtime;
    return json(200, {
      chunk_size: 1,
      entries: [
        {
          type: 'realtime_server',
          url: `${this.options.url()}/subscribe?channel=${id}&stream_type=all`,
          ttl: String(ttlMinutes),
          max_retries: String(maxRetries),
          retry_timeout: retryTimeoutS,
        },
      ],
    });
  }

  #events(req: Incoming): Reply {
    const q = req.query;
    for (const key of q.keys()) {
      if (
        ![
          'stream_type',
          'stream_position',
          'limit',
          'event_type',
          'created_after',
          'created_before',
          'fields',
        ].includes(key)
      ) {
        this.options.violations.push(`GET /events: query parameter ${key} is not in the spec`);
        return boxError(400, `Unexpected query parameter ${key}`);
      }
    }
    const streamType = q.get('stream_type') ?? 'all';
    const enterprise = ENTERPRISE_STREAMS.includes(streamType);
    if (!enterprise && !USER_STREAMS.includes(streamType))
      return boxError(400, `Invalid value '${streamType}' for stream_type`);
    if (enterprise && this.options.adminTokens && !this.options.adminTokens.includes(req.token!)) {
      return boxError(403, 'Access denied - insufficient permission');
    }
    // The API ignores these elsewhere: a client that sends them there expects a filter it does not get.
    if (!enterprise && q.has('event_type'))
      this.options.violations.push('GET /events: event_type is for enterprise streams only');
    if (streamType !== 'admin_logs' && (q.has('created_after') || q.has('created_before'))) {
      this.options.violations.push('GET /events: created_after/created_before are for stream_type admin_logs only');
    }
    const limitText = q.get('limit');
    const limit = limitText === null ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1) return boxError(400, `Invalid value '${limitText}' for limit`);
    if (limit > 500) this.options.violations.push(`GET /events: limit ${limit} is above the maximum of 500`);
    const log = enterprise ? this.world.enterprise : this.world.user;
    const positionText = q.get('stream_position') ?? '0';
    const stringPositions = enterprise;
    const stream = enterprise ? 'enterprise' : 'user';
    if (positionText === 'now') return this.#answer([], this.world.position(stream, log.length), stringPositions);
    const start = this.world.index(stream, positionText);
    if (start === undefined) return boxError(400, `Invalid value '${positionText}' for stream_position`);
    if (!this.world.issued(stream, positionText))
      this.options.violations.push(
        `GET /events: stream_position ${positionText} was never handed out (rounded through a double?)`,
      );

    const types = q.get('event_type')?.split(',').filter(Boolean);
    const after = parseTime(q.get('created_after'));
    const before = parseTime(q.get('created_before'));
    if (after === null || before === null) return boxError(400, 'Invalid value for created_after or created_before');
    const keep = (e: BoxEvent): boolean => {
      const type = e.event['event_type'] as string;
      if (types && enterprise && !types.includes(type)) return false;
      if (enterprise && streamType === 'admin_logs') {
        if (after !== undefined && e.createdAtMs < after) return false;
        if (before !== undefined && e.createdAtMs > before) return false;
      }
      if ((streamType === 'changes' || streamType === 'sync') && BoxWorld.readOnly(type)) return false;
      return true;
    };

    // Box may hand back fewer entries than the limit although more remain.
    const want = Math.max(1, Math.min(500, limit) - this.#random.int(0, Math.floor(Math.min(500, limit) / 10)));
    const picked: BoxEvent[] = [];
    let index = start;
    while (index < log.length && picked.length < want) {
      const e = log[index++]!;
      if (keep(e)) picked.push(e);
    }
    if (streamType === 'admin_logs' && picked.length === 0) {
      // admin_logs answers an empty page with position 0 (a client must not save it).
      return this.#answer([], 0n, true);
    }
    let entries = picked;
    if (streamType === 'admin_logs_streaming' && picked.length > 0) {
      // Out of order and with repeats: the tail of the previous page comes again, shuffled in.
      const repeats = log.slice(Math.max(0, start - 3), start).filter(keep);
      entries = [...picked, ...repeats];
      for (let i = entries.length - 1; i > 0; i--) {
        const j = this.#random.int(0, i);
        [entries[i], entries[j]] = [entries[j]!, entries[i]!];
      }
    }
    return this.#answer(entries, this.world.position(stream, index), stringPositions);
  }

  #answer(entries: BoxEvent[], position: bigint, asString: boolean): Reply {
    const pos = asString ? `"${position}"` : position.toString();
    return json(
      200,
      `{"chunk_size":${entries.length},"next_stream_position":${pos},"entries":[${entries.map((e) => e.json).join(',')}]}`,
    );
  }
}

/** undefined: absent; null: malformed. */
function parseTime(text: string | null): number | undefined | null {
  if (text === null) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
