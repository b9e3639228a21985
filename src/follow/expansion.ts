// projects:<workspace> and team:<team> at run time: list the projects, claim a subscription for
// each one in this process's shard, and every --relist compare again: a new project is followed
// from its first token (like any first run), one that left the list (archived, deleted, moved
// out of the team) is dropped with one notice; its cursor stays, so naming it later loses nothing.
import { LockedError } from '../core/errors.js';
import type { Reporter } from '../core/notice.js';
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
  /** Hears listings that failed and projects that came, left or are locked (output/notices.ts words them). */
  reporter: Reporter;
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
        this.#options.reporter.notice({ kind: 'listing-failed', subject: ref.label, error });
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
    const { set, shard, reporter } = this.#options;
    const members = this.#members.get(ref.id)!;
    const mine = listed.filter((p) => inShard(p.gid, shard));
    const now = new Set(mine.map((p) => p.gid));
    const listedIds = new Set(listed.map((p) => p.gid));
    for (const gid of set.gone) if (!listedIds.has(gid)) set.gone.delete(gid);
    for (const gid of [...members]) {
      if (now.has(gid)) continue;
      members.delete(gid);
      if (await set.drop(gid, ref.id)) reporter.notice({ kind: 'project-left', subject: ref.label, gid });
    }
    for (const project of mine) {
      if (members.has(project.gid) || set.gone.has(project.gid)) continue;
      try {
        const added = await set.claim(projectReference(project.gid), ref.id);
        members.add(project.gid);
        this.#lockedReported.delete(project.gid);
        reporter.notice({
          kind: 'project-added',
          subject: ref.label,
          gid: project.gid,
          name: project.name,
          alreadyFollowed: !added,
          newInList: !initial,
        });
      } catch (error) {
        if (initial || !(error instanceof LockedError)) throw error;
        if (!this.#lockedReported.has(project.gid)) reporter.notice({ kind: 'project-locked', error });
        this.#lockedReported.add(project.gid);
      }
    }
    if (initial)
      reporter.notice({
        kind: 'projects-in-shard',
        subject: ref.label,
        mine: mine.length,
        listed: listed.length,
        shard,
      });
  }
}
