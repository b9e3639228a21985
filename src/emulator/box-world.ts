// The emulated Box account: a user event stream and an enterprise event stream. Positions are kept
// as BigInt. User-stream positions are bare JSON numbers: by default safe integers like the spec's
// example `1348790499819`, so clients that parse them with JSON.parse (the official SDKs do) work as
// they do against Box; the opt-in stress mode (`hugePositions`) puts them above 2^60, where
// JSON.parse rounds them, to prove that a client keeps them exact. Enterprise positions are
// strings of that size, as admin_logs' are.
import { createHash, randomUUID } from 'node:crypto';
import { nextEventTime } from './event-time.js';
import { Random } from './random.js';

export interface BoxEvent {
  event: Record<string, unknown>;
  json: string;
  createdAtMs: number;
}

export const USER_EVENT_TYPES = [
  'ITEM_UPLOAD',
  'ITEM_CREATE',
  'ITEM_RENAME',
  'ITEM_MOVE',
  'ITEM_COPY',
  'ITEM_TRASH',
  'ITEM_PREVIEW',
  'ITEM_DOWNLOAD',
  'COMMENT_CREATE',
  'COLLAB_ADD_COLLABORATOR',
  'ITEM_SHARED_CREATE',
  'TAG_ITEM_CREATE',
];
export const ENTERPRISE_EVENT_TYPES = [
  'LOGIN',
  'UPLOAD',
  'DOWNLOAD',
  'PREVIEW',
  'DELETE',
  'EDIT',
  'COLLABORATION_INVITE',
  'SHARE',
  'FAILED_LOGIN',
  'GROUP_ADD_USER',
  'ADD_LOGIN_ACTIVITY_DEVICE',
];
/** Event types that change nothing: left out of the `changes` and `sync` streams. */
const READ_ONLY = new Set(['ITEM_PREVIEW', 'ITEM_DOWNLOAD']);

const NAMES = ['Aaron Levie', 'Dylan Smith', 'Sam Ghods', 'Jeff Queisser', 'Ada Lovelace', 'Grace Hopper'];
const FILES = [
  'Q3 plan.pptx',
  'contract.pdf',
  'logo.svg',
  'budget.xlsx',
  'notes.md',
  'roadmap.key',
  'invoice-0042.pdf',
];
const FOLDERS = ['Marketing', 'Legal', 'Design', 'Finance', 'Engineering'];

/** 2^60 plus a little: every position is far above Number.MAX_SAFE_INTEGER. */
export const HUGE_POSITION_BASE = 1152921504606846976n + 7n;
/** The spec's example position (GET /events, the stream_position parameter's example). Its
 * next_stream_position example, "1152922976252290886", is a string, as enterprise positions are here. */
export const REALISTIC_POSITION_BASE = 1348790499819n;

export type BoxStream = 'user' | 'enterprise';

export class BoxWorld {
  readonly user: BoxEvent[] = [];
  readonly enterprise: BoxEvent[] = [];
  readonly #random: Random;
  readonly #now: () => number;
  readonly #users: Array<Record<string, string>>;
  readonly #listeners = new Set<() => void>();
  #clock = 0;
  readonly #bases: Record<BoxStream, bigint>;

  constructor(seed: number, now: () => number, options: { hugePositions?: boolean } = {}) {
    this.#bases = {
      user: options.hugePositions ? HUGE_POSITION_BASE : REALISTIC_POSITION_BASE,
      enterprise: HUGE_POSITION_BASE,
    };
    this.#random = new Random(seed ^ 0x5bd1e995);
    this.#now = now;
    this.#users = NAMES.map((name, i) => ({
      type: 'user',
      id: String(11446498 + i * 1117),
      name,
      login: `${name.split(' ')[0]!.toLowerCase()}@example.com`,
    }));
  }

  /** The position after the i-th event of a stream (0: before all of them). */
  position(stream: BoxStream, index: number): bigint {
    return this.#bases[stream] + BigInt(index);
  }

  /** The index a position stands for, clamped to the log; undefined for a malformed one. */
  index(stream: BoxStream, position: string): number | undefined {
    if (!/^\d+$/.test(position)) return undefined;
    const length = this.log(stream).length;
    const value = BigInt(position);
    const base = this.#bases[stream];
    if (value < base) return 0;
    const index = value - base;
    return index > BigInt(length) ? length : Number(index);
  }

  /** The user the access token belongs to, as GET /users/me shows it (the spec's User--Full). */
  get me(): Record<string, unknown> {
    const { id, name, login } = this.#users[0]!;
    return {
      type: 'user',
      id,
      name,
      login,
      created_at: '2012-12-12T10:53:43-08:00',
      modified_at: '2026-11-02T09:12:03-08:00',
      language: 'en',
      timezone: 'America/Los_Angeles',
      space_amount: 11345156112,
      space_used: 1237009912,
      max_upload_size: 2147483648,
      status: 'active',
      job_title: 'CEO',
      phone: '6509241374',
      address: '900 Jefferson Ave, Redwood City, CA 94063',
      avatar_url: `https://www.box.com/api/avatar/large/${id}`,
      notification_email: null,
      role: 'admin',
      tracking_codes: [],
      can_see_managed_users: true,
      is_sync_enabled: true,
      is_external_collab_restricted: false,
      is_exempt_from_device_limits: false,
      is_exempt_from_login_verification: false,
      enterprise: { type: 'enterprise', id: '1910967', name: 'Emulated Inc.' },
      my_tags: [],
      hostname: 'https://emulated.app.box.com/',
      is_platform_access_only: false,
      external_app_user_id: null,
    };
  }

  /** Whether the emulator could have handed out this position (0 or base..base+length): one it
   * could not is a position the client changed, e.g. rounded through a double by JSON.parse. */
  issued(stream: BoxStream, position: string): boolean {
    if (!/^\d+$/.test(position)) return false;
    const value = BigInt(position);
    const base = this.#bases[stream];
    return value === 0n || (value >= base && value <= base + BigInt(this.log(stream).length));
  }

  log(stream: BoxStream): BoxEvent[] {
    return stream === 'user' ? this.user : this.enterprise;
  }

  append(stream: BoxStream, n: number, eventType?: string): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) {
      const stored = stream === 'user' ? this.#userEvent(eventType) : this.#enterpriseEvent(eventType);
      (stream === 'user' ? this.user : this.enterprise).push(stored);
      out.push(stored.event);
    }
    if (stream === 'user' && n > 0) for (const listener of [...this.#listeners]) listener();
    return out;
  }

  /** Calls back once when the next user event is appended; returns a cancel function. */
  onAppend(listener: () => void): () => void {
    const once = (): void => {
      this.#listeners.delete(once);
      listener();
    };
    this.#listeners.add(once);
    return () => this.#listeners.delete(once);
  }

  static readOnly(eventType: string): boolean {
    return READ_ONLY.has(eventType);
  }

  #userEvent(eventType?: string): BoxEvent {
    const r = this.#random;
    const type = eventType ?? r.pick(USER_EVENT_TYPES);
    const at = this.#tick();
    const event: Record<string, unknown> = {
      type: 'event',
      event_id: createHash('sha1').update(`${at}:${r.next()}`).digest('hex'),
      created_by: r.chance(0.03) ? { type: 'user', id: '2', name: 'Anonymous User', login: '' } : r.pick(this.#users),
      created_at: boxTime(at),
      recorded_at: boxTime(Math.max(at, Math.min(this.#now(), at + r.int(0, 900)))),
      event_type: type,
      session_id: r.hex(22),
      source: this.#file(),
    };
    return { event, json: JSON.stringify(event), createdAtMs: at };
  }

  #enterpriseEvent(eventType?: string): BoxEvent {
    const r = this.#random;
    const type = eventType ?? r.pick(ENTERPRISE_EVENT_TYPES);
    const at = this.#tick();
    const actor = r.pick(this.#users);
    const login = type === 'LOGIN' || type === 'FAILED_LOGIN' || type === 'ADD_LOGIN_ACTIVITY_DEVICE';
    const source = login
      ? { type: 'user', id: actor['id'], name: actor['name'], login: actor['login'] }
      : this.#enterpriseFile();
    const event: Record<string, unknown> = {
      type: 'event',
      event_id: randomUUID(),
      created_by: actor,
      created_at: boxTime(at),
      event_type: type,
      ip_address: `203.0.113.${r.int(1, 254)}`,
      session_id: null,
      source,
      additional_details: login
        ? { client: 'Box Web', device: 'Chrome on macOS' }
        : { size: r.int(1000, 9_000_000), ekm_id: null, version_id: String(r.int(1e9, 2e9)) },
      accessible_by: null,
    };
    return { event, json: JSON.stringify(event), createdAtMs: at };
  }

  #file(): Record<string, unknown> {
    const r = this.#random;
    const folder = r.pick(FOLDERS);
    return {
      type: 'file',
      id: String(r.int(1e11, 9e11)),
      name: r.pick(FILES),
      sequence_id: String(r.int(0, 9)),
      etag: String(r.int(0, 9)),
      sha1: r.hex(40),
      size: r.int(1000, 9_000_000),
      parent: { type: 'folder', id: String(r.int(1e10, 9e10)), name: folder, sequence_id: '0', etag: '0' },
      path_collection: {
        total_count: 2,
        entries: [
          { type: 'folder', id: '0', name: 'All Files' },
          { type: 'folder', id: '1', name: folder },
        ],
      },
    };
  }

  #enterpriseFile(): Record<string, unknown> {
    const r = this.#random;
    return {
      item_type: 'file',
      item_id: String(r.int(1e11, 9e11)),
      item_name: r.pick(FILES),
      parent: { type: 'folder', name: r.pick(FOLDERS), id: String(r.int(1e10, 9e10)) },
    };
  }

  #tick(): number {
    this.#clock = nextEventTime(this.#clock, this.#now());
    return this.#clock;
  }
}

/** Box writes times with a zone offset and no fraction: 2026-11-24T10:53:43-08:00. */
export function boxTime(ms: number): string {
  return `${new Date(ms - 8 * 3600_000).toISOString().slice(0, 19)}-08:00`;
}
