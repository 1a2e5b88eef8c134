/**
 * A hospital IT service centre for one week: a major incident (HIS down on three wards) is split
 * into child tickets for the network, server and application teams; the parent resolves itself
 * when the last child does, with the children rolled up in its audit entry; a fix that does not
 * hold reopens the incident. Routine tickets fill the week, and a cross-team report compares
 * response time, closure rate and reopens per team.
 * Run with `npx tsx examples/it-service-center/center.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  type Agent,
  type AuditEntry,
  buildReport,
  calendar24x7,
  createDispatcher,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  isTicketkitError,
  type Priority,
  type Report,
  type Ticket,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';

/** A hospital runs around the clock: targets count every minute. */
export const policy = defineSlaPolicy({
  id: 'hospital-it',
  calendar: calendar24x7('Asia/Shanghai'),
  targets: {
    firstResponse: { urgent: '15m', high: '30m', normal: '1h', low: '4h' },
    resolution: { urgent: '4h', high: '8h', normal: '24h', low: '72h' },
  },
});

/** Two engineers per team, and the service desk that owns incidents. */
export const agents: Agent[] = [
  ['desk.xu', 'service-desk'],
  ['net.wu', 'network'],
  ['net.he', 'network'],
  ['srv.sun', 'server'],
  ['srv.ma', 'server'],
  ['app.lin', 'application'],
  ['app.guo', 'application'],
].map(([id, team]) => ({ id: id!, team: team!, skills: {}, load: 0, capacity: 5 }));

type Team = 'service-desk' | 'network' | 'server' | 'application';
/** Routine work: team, title, priority, created (day, hh:mm), minutes to respond, to resolve. */
const routine: [Team, string, Priority, number, string, number, number | null][] = [
  ['network', 'Wi-Fi weak in radiology', 'normal', 0, '10:00', 30, 240],
  ['network', 'New VLAN for the lab analysers', 'low', 1, '09:00', 90, null],
  ['server', 'Nightly backup failed', 'high', 1, '07:30', 20, 120],
  ['server', 'PACS volume at 90%', 'normal', 2, '14:00', 50, null],
  ['application', 'Discharge report template wrong', 'normal', 2, '10:00', 20, 180],
  ['application', 'Add nurse to LIS', 'low', 3, '08:00', 60, 60],
  ['application', 'Drug code missing in pharmacy', 'high', 3, '15:00', 10, 300],
];

/** What the week produced, for the test. */
export interface WeekResult {
  incident: Ticket;
  children: Ticket[];
  incidentHistory: AuditEntry[];
  /** Why closing the incident with open children was refused. */
  refused: string | null;
  report: Report;
  perTeam: Record<string, TeamFigures>;
}
/** The figures the centre compares per team. */
export interface TeamFigures {
  tickets: number;
  medianResponseMinutes: number | null;
  responseWithinSla: number | null;
  closureRate: number;
  reopens: number;
}

/** Runs the week (Monday 9 March 2026, Shanghai) and returns the incident and the report. */
export async function main(
  log: (line: string) => void = console.log,
  store: TicketStore = pgliteStore(),
): Promise<WeekResult> {
  const start = new Date('2026-03-09T00:00:00+08:00');
  const clock = createManualClock(start);
  const ids = { ticket: 0, comment: 0 };
  const desk = createTicketing({
    clock,
    store,
    generateId: (kind) => `${kind === 'ticket' ? 'IT' : 'c'}-${++ids[kind]}`,
    sla: { policies: [policy] },
    children: { onAllResolved: 'resolve' }, // blockParent stays on: no orphaned children
    dispatch: { dispatcher: createDispatcher({ weights: { load: 1 } }), agents: () => agents },
  });
  const as = (id: string) => ({ actor: { id, roles: ['agent'] } });
  const lead = { actor: { id: 'it.lead', roles: ['supervisor'] } };

  // The week as an agenda: each step runs at its instant, in time order.
  const agenda: { at: number; run: () => Promise<void> }[] = [];
  const at = (day: number, hhmm: string, run: () => Promise<void>) => {
    const [h, m] = hhmm.split(':').map(Number);
    agenda.push({ at: start.getTime() + ((day * 24 + h!) * 60 + m!) * 60_000, run });
  };
  const open = async (draft: Parameters<typeof desk.create>[0], by = 'desk.xu') => {
    const t = await desk.create(draft, as(by));
    return (await desk.dispatch(t.id, as(by))).ticket; // the least-loaded engineer of its team
  };
  const respond = async (id: string, body: string) => {
    const t = (await desk.get(id))!;
    await desk.comment(id, { body }, as(t.assignee!));
    if (t.status === 'pending') await desk.transition(id, 'in_progress', as(t.assignee!));
  };
  const resolve = async (id: string) => {
    const t = await desk.transition(id, 'resolved', as((await desk.get(id))!.assignee!));
    log(`  ${stamp()} ${t.team} resolved ${t.title}`);
  };
  const stamp = () =>
    clock.now().toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }).slice(5, -3);

  // Routine tickets.
  routine.forEach(([team, title, priority, day, hhmm, respondAfter, resolveAfter]) => {
    let id = '';
    at(day, hhmm, async () => {
      id = (await open({ title, priority, team })).id;
    });
    const created = agenda.at(-1)!.at;
    agenda.push({
      at: created + respondAfter * 60_000,
      run: () => respond(id, 'Looking into it.'),
    });
    if (resolveAfter !== null)
      agenda.push({ at: created + resolveAfter * 60_000, run: () => resolve(id) });
  });

  // The major incident, Monday morning.
  let incident!: Ticket;
  const kids: Record<string, Ticket> = {};
  let refused: string | null = null;
  at(0, '08:10', async () => {
    incident = await open({
      title: 'HIS: wards 3–5 cannot log in',
      priority: 'urgent',
      team: 'service-desk',
      requester: 'ward5.nurses',
    });
    log(`  ${stamp()} incident ${incident.id} opened, split into three:`);
    for (const [team, title] of [
      ['network', 'Access switch uplink flapping (wards 3–5)'],
      ['server', 'HIS database server at 100% CPU'],
      ['application', 'HIS session pool exhausted'],
    ] as const) {
      kids[team] = await open({ title, priority: 'urgent', team, parentId: incident.id });
      log(`    ${team.padEnd(11)} → ${kids[team].assignee}`);
    }
  });
  at(0, '08:12', () => respond(incident.id, 'Major incident declared; three teams engaged.'));
  at(0, '08:20', () => respond(kids.network!.id, 'Port errors on uplink 2, checking optics.'));
  at(0, '08:22', () => respond(kids.application!.id, 'Pool at 500/500, recycling nodes.'));
  at(0, '08:40', () => respond(kids.server!.id, 'Runaway report query, killing it.'));
  at(0, '09:00', async () => {
    try {
      await desk.transition(incident.id, 'resolved', lead);
    } catch (e) {
      if (!isTicketkitError(e)) throw e;
      refused = e.message;
      log(`  ${stamp()} the lead tries to close the incident: refused (${e.code}), children open`);
    }
  });
  at(0, '09:10', () => resolve(kids.application!.id));
  at(0, '09:30', () => resolve(kids.server!.id));
  at(0, '09:45', () => resolve(kids.network!.id)); // the last child: the incident rolls up
  at(0, '11:00', async () => {
    log(`  ${stamp()} ward 4 calls: logins fail again; incident and network ticket reopened`);
    await desk.transition(incident.id, 'in_progress', lead);
    await desk.transition(kids.network!.id, 'in_progress', as('desk.xu'));
  });
  at(0, '12:30', () => resolve(kids.network!.id)); // optics replaced; rolls up again

  agenda.sort((a, b) => a.at - b.at);
  log('Week of 9 March 2026, hospital IT service centre:');
  for (const step of agenda) {
    clock.set(step.at);
    await desk.sla.idle();
    await step.run();
  }
  clock.set(start.getTime() + 5 * 86_400_000); // Saturday 00:00
  await desk.sla.idle();

  incident = (await desk.get(incident.id))!;
  const incidentHistory = await desk.history(incident.id);
  for (const e of incidentHistory.filter((x) => x.meta?.rollup)) {
    const kids = e.meta!.rollup as { team: string; status: string }[];
    log(`  roll-up at ${e.at}: ${kids.map((k) => `${k.team} ${k.status}`).join(', ')}`);
  }

  const report = await buildReport(desk, { from: start, to: clock.now(), groupBy: 'team' });
  const perTeam: Record<string, TeamFigures> = {};
  log('\nteam          tickets  median response  within SLA  closure rate  reopens');
  for (const g of report.groups) {
    const m = g.metrics;
    const f: TeamFigures = {
      tickets: m.tickets,
      medianResponseMinutes: m.firstResponse.medianMinutes,
      responseWithinSla: m.firstResponse.withinSla,
      closureRate: m.tickets ? m.resolution.count / m.tickets : 0,
      reopens: m.reopens.total,
    };
    perTeam[g.values.team!] = f;
    const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
    log(
      `${g.values.team!.padEnd(14)}${String(f.tickets).padStart(7)}  ${`${f.medianResponseMinutes} min`.padStart(15)}  ${pct(f.responseWithinSla).padStart(10)}  ${pct(f.closureRate).padStart(12)}  ${String(f.reopens).padStart(7)}`,
    );
  }
  const children = await desk.children(incident.id);
  return { incident, children, incidentHistory, refused, report, perTeam };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
