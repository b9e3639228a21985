// The project lists behind projects:<workspace gid> (GET /projects?workspace=) and team:<team gid>
// (GET /teams/{gid}/projects): every page through next_page.offset, archived projects left out.
// Only parameters of the official spec: limit (1..100), offset, workspace, archived, and
// opt_fields from the operation's enum.
import { TransientError } from '../../net/retry.js';
import type { Expander } from '../../core/refs.js';

export interface ListedProject {
  gid: string;
  name?: string;
}

/** One GET: the parsed body of a 200 answer; anything else is thrown by the caller's reader. */
export type GetPage = (path: string, query: Record<string, string>) => Promise<Record<string, unknown>>;

const PAGE_SIZE = '100';
/** 100 per page: a million projects. A longer chain is a server looping on its offsets. */
const MAX_PAGES = 10_000;

export function listingRequest(ref: Expander): { path: string; query: Record<string, string> } {
  // archived=false asks the server to leave archived projects out; `archived` is also requested
  // so a server that ignores the filter cannot slip one in.
  const common = { archived: 'false', limit: PAGE_SIZE, opt_fields: 'name,archived' };
  return ref.kind === 'projects'
    ? { path: '/projects', query: { workspace: ref.gid, ...common } }
    : { path: `/teams/${ref.gid}/projects`, query: common };
}

export async function listProjects(ref: Expander, get: GetPage): Promise<ListedProject[]> {
  const { path, query } = listingRequest(ref);
  const projects = new Map<string, ListedProject>();
  let offset: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await get(path, offset === undefined ? query : { ...query, offset });
    const data = body['data'];
    if (!Array.isArray(data)) throw new TransientError(`Asana sent a project list without data for ${ref.label}`);
    for (const item of data as Array<Record<string, unknown>>) {
      if (typeof item?.['gid'] !== 'string' || item['archived'] === true) continue;
      projects.set(item['gid'], {
        gid: item['gid'],
        name: typeof item['name'] === 'string' ? item['name'] : undefined,
      });
    }
    const next = body['next_page'] as { offset?: unknown } | null | undefined;
    if (typeof next?.offset !== 'string' || !next.offset) return [...projects.values()];
    offset = next.offset;
  }
  throw new TransientError(`the project list of ${ref.label} did not end after ${MAX_PAGES} pages`);
}
