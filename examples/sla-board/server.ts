/**
 * The SLA board in the browser: a plain node:http server that embeds the desk on PGlite and
 * serves one page (board.html). The page gets the board over server-sent events, pushed after
 * every desk event (ticket.*, sla.*), and counts down between pushes.
 * Run with `npx tsx examples/sla-board/server.ts`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  type Clock,
  calendar24x7,
  createTicketing,
  type Desk,
  defineSlaPolicy,
  PRIORITIES,
  type Priority,
  type SlaBoard,
  type SlaPolicy,
  systemClock,
  TICKETKIT_EVENT_TYPES,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';

/** The demo policy: round-the-clock targets, short enough to watch tickets turn amber and red. */
export const demoPolicy: SlaPolicy = defineSlaPolicy({
  id: 'board-demo',
  calendar: calendar24x7('Asia/Shanghai'),
  targets: {
    assignment: { urgent: '10m', high: '30m', normal: '2h', low: '8h' },
    resolution: { urgent: '1h', high: '4h', normal: '24h', low: '72h' },
  },
});

/** Options of {@link startSlaBoard}. */
export interface SlaBoardServerOptions {
  /** Time source of the desk and the board; a test passes `createManualClock()`. */
  clock?: Clock;
  /** Closed with the server. @default pgliteStore() (embedded PostgreSQL, in memory) */
  store?: TicketStore;
  /** @default [demoPolicy] */
  policies?: readonly SlaPolicy[];
  /** 0 picks a free port. @default 0 */
  port?: number;
}

/** A running board server. */
export interface SlaBoardServer {
  readonly url: string;
  readonly desk: Desk;
  close(): Promise<void>;
}

/** What the page receives: the board reduced to what it shows. */
export interface BoardView {
  at: string;
  counts: SlaBoard['counts'];
  teams: string[];
  rows: {
    id: string;
    title: string;
    priority: Priority;
    team: string | null;
    assignee: string | null;
    status: string;
    state: SlaBoard['rows'][number]['state'];
    nextDueAt: string | null;
    metric: string | null;
  }[];
}

const page = readFileSync(new URL('./board.html', import.meta.url), 'utf8');
const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
const csp = `default-src 'self'; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'; style-src 'unsafe-inline'`;

interface Filter {
  team?: string;
  priority?: Priority;
}

function parseFilter(params: URLSearchParams): Filter | string {
  const team = params.get('team') || undefined;
  const priority = params.get('priority') || undefined;
  if (priority && !PRIORITIES.includes(priority as Priority)) {
    return `priority must be one of ${PRIORITIES.join(', ')}; got "${priority}"`;
  }
  return { ...(team ? { team } : {}), ...(priority ? { priority: priority as Priority } : {}) };
}

/** Starts the server; resolves once it listens and the store is open. */
export async function startSlaBoard(options: SlaBoardServerOptions = {}): Promise<SlaBoardServer> {
  const store = options.store ?? pgliteStore();
  const desk = createTicketing({
    clock: options.clock ?? systemClock,
    store,
    sla: { policies: options.policies ?? [demoPolicy] },
  });

  const view = async (filter: Filter): Promise<BoardView> => {
    const [board, all] = await Promise.all([desk.sla.board(filter), desk.sla.board()]);
    const teams = new Set(all.rows.map((r) => r.ticket.team).filter((t) => t !== null));
    return {
      at: board.at,
      counts: board.counts,
      teams: [...teams].sort(),
      rows: board.rows.map(({ ticket: t, state, nextDueAt, clocks }) => ({
        id: t.id,
        title: t.title,
        priority: t.priority,
        team: t.team,
        assignee: t.assignee,
        status: t.status,
        state,
        nextDueAt,
        metric:
          clocks.find((c) =>
            nextDueAt
              ? c.status !== 'met' && (c.breachedAt ?? c.dueAt) === nextDueAt
              : c.status === 'paused',
          )?.metric ?? null,
      })),
    };
  };

  // Server-sent events: every open stream has its filter; desk events are coalesced into one push.
  const streams = new Map<ServerResponse, Filter>();
  const push = async (res: ServerResponse, filter: Filter) => {
    const data = JSON.stringify(await view(filter));
    if (!res.writableEnded) res.write(`event: board\ndata: ${data}\n\n`);
  };
  let queued = false;
  const schedulePush = () => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      for (const [res, filter] of streams) push(res, filter).catch(() => res.end());
    });
  };
  const offs = TICKETKIT_EVENT_TYPES.map((type) => desk.on(type, schedulePush));

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'text/plain', 'only GET');
    if (url.pathname === '/') {
      res.setHeader('content-security-policy', csp);
      return send(200, 'text/html; charset=utf-8', page);
    }
    if (url.pathname !== '/board' && url.pathname !== '/events') return send(404, 'text/plain', '');
    const filter = parseFilter(url.searchParams);
    if (typeof filter === 'string') return send(400, 'text/plain; charset=utf-8', filter);
    if (url.pathname === '/board') {
      view(filter).then(
        (v) => send(200, 'application/json', JSON.stringify(v)),
        (e) => send(500, 'text/plain', String(e)),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    streams.set(res, filter);
    req.on('close', () => streams.delete(res));
    push(res, filter).catch(() => res.end());
  });
  // Keep-alive comments stop proxies from closing idle streams (real time, not the desk's clock).
  const ping = setInterval(() => {
    for (const res of streams.keys()) res.write(': ping\n\n');
  }, 15_000);
  ping.unref();

  await (store as { ready?: () => Promise<void> }).ready?.();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    desk,
    async close() {
      clearInterval(ping);
      for (const off of offs) off();
      for (const res of streams.keys()) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const board = await startSlaBoard({ port: Number(process.env.PORT ?? 3000) });
  const caller = { id: 'hotline', roles: ['agent'] };
  const seed: [string, Priority, string][] = [
    ['Core switch down in building B', 'urgent', 'network'],
    ['VPN drops every 10 minutes', 'high', 'network'],
    ['Mail server disk 92% full', 'high', 'server'],
    ['Backup job failed last night', 'normal', 'server'],
    ['HIS login page slow', 'urgent', 'application'],
    ['Report export shows wrong dates', 'normal', 'application'],
    ['New hire needs a laptop', 'low', 'desktop'],
  ];
  for (const [title, priority, team] of seed) {
    await board.desk.create({ title, priority, team }, { actor: caller });
  }
  console.log(`SLA board on ${board.url} (Ctrl-C to stop)`);
}
