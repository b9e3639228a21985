// projects:<workspace> and team:<team> at run time: list the projects, claim a subscription for
// each one in this process's shard, and every --relist compare again: a new project is followed
// from its first token (like any first run), one that left the list (archived, deleted, moved
// out of the team) is dropped with one notice; its cursor stays, so naming it later loses nothing.
import { LockedError, formatError } from '../core/errors.js';
import type { Progress } from '../output/progress.js';
import type { ListedProject } from '../providers/asana/projects.js';
import type { ProviderContext } from '../core/provider.js';
import { projectReference, type Expander } from '../core/refs.js';
import { inShard, type Shard } from '../core/shard.js';
import { sleep } from '../lib/sleep.js';
import type { SubscriptionSet } from './subscription-set.js';

export interface ProjectLister {
  listProjects(ref: Expander, ctx: ProviderContext): Promise<ListedProject[]>;
}

export interface ExpansionOptions {
  expanders: Expander[];
  lister: ProjectLister;
  set: SubscriptionSet;
  shard?: Shard;
  progress: Progress;
  ctx: ProviderContext;
}

export class Expansion {
  readonly #options: ExpansionOptions;
  /** Per expander: the project gids it currently holds in the set. */
  readonly #members = new Map<string, Set<string>>();
  /** Projects whose lock another process held: reported once, tried again at each listing. */
  readonly #lockedReported = new Set<string>();

  constructor(options: ExpansionOptions) {
    this.#options = options;
    for (const ref of options.expanders) this.#members.set(ref.id, new Set());
  }

  /**
   * Lists every expander and brings the set in line. At start a failure (bad gid, no access,
   * another process on a cursor) ends the command; later it is reported and the last list kept.
   */
  async refresh(initial: boolean): Promise<void> {
    for (const ref of this.#options.expanders) {
      let listed: ListedProject[];
      try {
        listed = await this.#options.lister.listProjects(ref, this.#options.ctx);
      } catch (error) {
        if (initial || this.#options.ctx.signal.aborted) throw error;
        this.#options.progress.note(
          `could not list ${ref.label}, keeping the last list: ${formatError(error, false).replace(/^events: /, '')}`,
        );
        continue;
      }
      await this.#apply(ref, listed, initial);
    }
  }

  /** Relists every `intervalMs` until the command stops. */
  async keepFresh(intervalMs: number): Promise<void> {
    const { signal } = this.#options.ctx;
    while (!signal.aborted) {
      try {
        await sleep(intervalMs, signal);
      } catch {
        return;
      }
      await this.refresh(false).catch((error: unknown) => {
        if (!signal.aborted) throw error;
      });
    }
  }

  async #apply(ref: Expander, listed: ListedProject[], initial: boolean): Promise<void> {
    const { set, shard, progress } = this.#options;
    const members = this.#members.get(ref.id)!;
    const mine = listed.filter((p) => inShard(p.gid, shard));
    const now = new Set(mine.map((p) => p.gid));
    const listedIds = new Set(listed.map((p) => p.gid));
    for (const gid of set.gone) if (!listedIds.has(gid)) set.gone.delete(gid);
    for (const gid of [...members]) {
      if (now.has(gid)) continue;
      members.delete(gid);
      if (await set.drop(gid, ref.id))
        progress.note(
          `project ${gid} left ${ref.label} (archived, deleted or moved): stopped following it; its cursor is kept`,
        );
    }
    for (const project of mine) {
      if (members.has(project.gid) || set.gone.has(project.gid)) continue;
      try {
        const added = await set.claim(projectReference(project.gid), ref.id);
        members.add(project.gid);
        this.#lockedReported.delete(project.gid);
        const name = project.name === undefined ? '' : ` "${project.name}"`;
        progress.debug(
          `${ref.label}: ${added ? 'following' : 'also lists'} project ${project.gid}${name}${initial ? '' : ' (new in the list)'}`,
        );
      } catch (error) {
        if (initial || !(error instanceof LockedError)) throw error;
        if (!this.#lockedReported.has(project.gid))
          progress.note(`${formatError(error, false).replace(/^events: /, '')}; trying again at the next listing`);
        this.#lockedReported.add(project.gid);
      }
    }
    if (initial)
      progress.debug(
        `${ref.label}: ${mine.length} of ${listed.length} listed projects in this process${shard ? ` (shard ${shard.index}/${shard.count})` : ''}`,
      );
  }
}
