// `events snapshot`: the current state of resources as JSON lines, without touching any cursor.
// With --output the file is replaced atomically, so readers never see half a snapshot.
import { ExitCode, StopRequested, UsageError } from '../core/errors.js';
import type { IO } from '../core/io.js';
import { createProviders, createRenderer, openStdoutSink, type TailConfig } from './tail.js';
import { recrawl } from '../follow/loop.js';
import { progressReporter } from '../output/notices.js';
import { HttpClient } from '../net/http.js';
import { isExpander } from '../core/refs.js';
import { colorLevel } from '../output/color.js';
import { Progress } from '../output/progress.js';
import { glyphsFor } from '../output/glyphs.js';
import { AtomicFileSink } from '../output/sink.js';
import { redactedLines } from '../lib/redact.js';
import type { Provider, ProviderContext, SnapshotItem } from '../core/provider.js';
import type { Reference } from '../core/refs.js';

export async function runSnapshot(config: TailConfig, io: IO): Promise<number> {
  const http = new HttpClient({
    userAgent: config.userAgent,
    timeoutMs: config.timeoutMs,
    env: io.env,
    proxy: config.proxy,
    maxAnswerBytes: config.maxAnswerBytes,
  });
  const sink = config.output && config.output !== '-' ? new AtomicFileSink(config.output) : openStdoutSink(io);
  const progress = await Progress.create({
    stream: io.stderr,
    quiet: config.quiet,
    verbose: config.verbose,
    sharesTerminalWithStdout: io.stdout.isTTY === true,
    colorLevel: colorLevel(config.color, io.env, io.stderr.isTTY === true),
    glyphs: glyphsFor(io.env),
  });
  try {
    const expander = config.refs.find(isExpander);
    if (expander)
      throw new UsageError(
        `${expander.id} has no snapshot of its own`,
        "snapshot the projects one by one, or use events tail --snapshot to get each listed project's snapshot on its first run",
      );
    const reporter = progressReporter(() => progress);
    const providers = createProviders(config, http, io.env, { warn: redactedLines(io.stderr), reporter });
    const renderer = await createRenderer(
      { ...config, output: undefined, json: config.json || config.output !== undefined },
      io,
      sink,
      progress,
      config.refs.length > 1,
    );
    const ctx = {
      signal: io.stop.signal,
      report: {
        retrying: ({ delayMs, reason }: { delayMs: number; reason: string }) =>
          reporter.notice({ kind: 'snapshot-retrying', reason, delayMs }),
        recovered: () => undefined,
      },
    };
    for (const ref of config.refs) {
      const provider = providers.get(ref.provider)!;
      if (!provider.crawl)
        throw new UsageError(
          `${ref.label} has no snapshot: Box streams are events only`,
          'snapshot Asana projects, tasks, goals or workspaces',
        );
      const origin = { provider: provider.name, subscription: ref.id, group: config.group };
      const started = await withFirstBatchRead(provider, ref, ctx);
      await recrawl({ ref, origin, provider: started }, { records: renderer, reporter }, ctx, 'snapshot');
    }
    if (sink instanceof AtomicFileSink) await sink.commit();
    return ExitCode.ok;
  } catch (error) {
    // `events snapshot X | head`: the reader left; that ends the run, quietly.
    if (error instanceof StopRequested) return error.exitCode;
    if (io.stop.signal.aborted && typeof io.stop.signal.reason === 'number') return io.stop.signal.reason;
    throw error;
  } finally {
    progress.stop();
    await sink.close();
    await http.close();
  }
}

/**
 * The provider with its crawl of `ref` already started and its first batch read: a gid that is no
 * resource (exit 4) fails here, before recrawl prints a snapshot_begin that no end would follow.
 */
async function withFirstBatchRead(provider: Provider, ref: Reference, ctx: ProviderContext): Promise<Provider> {
  const batches = provider.crawl!(ref, ctx)[Symbol.asyncIterator]();
  const first = await batches.next();
  async function* replay(): AsyncGenerator<SnapshotItem[]> {
    if (first.done) return;
    yield first.value;
    for (let next = await batches.next(); !next.done; next = await batches.next()) yield next.value;
  }
  return Object.assign(Object.create(provider) as Provider, { crawl: () => replay() });
}
