/**
 * Equipment repair with field engineers, for one day in Shanghai: orders are dispatched by skill,
 * load and distance; engineers check in from their phones (GPS, photo, voice note) and every
 * check-in is kept on the order as evidence; an order in progress with no update for two hours
 * is escalated to the supervisor; only the supervisor may close a high-risk order; the customer
 * confirms the fix (or not) by WeChat before the order is resolved.
 * Run with `npx tsx examples/repair-orders/repair.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  type Agent,
  type AuditEntry,
  calendar24x7,
  createDispatcher,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  isTicketkitError,
  type Ticket,
  type TicketDraft,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { z } from 'zod';

/** Evidence from the engineer's phone. The SDK has no attachment API: it is kept in a custom field. */
const Evidence = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gps'), lat: z.number(), lng: z.number() }),
  z.object({ kind: z.literal('photo'), sha256: z.string(), caption: z.string() }),
  z.object({ kind: z.literal('voice'), seconds: z.number(), transcript: z.string() }),
]);
/** A check-in: the evidence and when it was sent. */
const CheckIn = z.intersection(Evidence, z.object({ at: z.string() }));
export type CheckIn = z.infer<typeof CheckIn>;
/** What an order carries beside the standard fields. */
const customFields = z.object({ site: z.string(), checkIns: z.array(CheckIn).default([]) });

/** Field service runs around the clock; an order in progress needs an update every 2 hours. */
export const policy = defineSlaPolicy({
  id: 'field-repair',
  calendar: calendar24x7('Asia/Shanghai'),
  targets: {
    assignment: { urgent: '15m', high: '30m', normal: '1h', low: '4h' },
    update: '2h',
    resolution: { urgent: '4h', high: '8h', normal: '24h', low: '72h' },
  },
  escalations: [
    { name: 'no-update', metric: 'update', at: 'breach', actions: [{ notify: 'supervisor' }] },
  ],
});

/** The engineers: skills (0–5), how many orders each can hold, and where they are this morning. */
export const engineers: Agent[] = (
  [
    {
      id: 'eng.zhou',
      skills: { elevator: 5, electrical: 3 },
      location: { lat: 31.2304, lng: 121.4737 },
    },
    {
      id: 'eng.qian',
      skills: { hvac: 5, electrical: 2 },
      location: { lat: 31.2397, lng: 121.4998 },
    },
    { id: 'eng.sun', skills: { hvac: 3, elevator: 2 }, location: { lat: 31.1124, lng: 121.3817 } },
    { id: 'eng.li', skills: { electrical: 5 }, location: { lat: 31.3747, lng: 121.2655 } },
  ] as Omit<Agent, 'load' | 'capacity'>[]
).map((e) => ({ ...e, load: 0, capacity: 2 }));

/** Where the work is: the site's name and its coordinates. */
const site = (name: string, lat: number, lng: number) => ({
  custom: { site: name },
  location: { lat, lng },
});
const supervisor = { id: 'sup.wang', roles: ['supervisor'] };
const coordinator = { id: 'coord.gu', roles: ['agent'] };
const as = (id: string) => ({ actor: { id, roles: ['agent'] } });

/** What the day produced, for the test. */
export interface RepairDay {
  orders: Ticket[];
  histories: Record<string, AuditEntry[]>;
  /** Who each order went to, with the winning score and its breakdown. */
  dispatched: Record<string, { agentId: string; score: number; breakdown: Record<string, number> }>;
  escalations: { ticketId: string; at: string; rule: string; notify: readonly string[] }[];
  /** The engineer's attempt to resolve the high-risk order. */
  refusal: { code: string; rule: string; message: string } | null;
}

/** Runs Tuesday 3 March 2026 of the repair service. */
export async function main(
  log: (line: string) => void = console.log,
  store: TicketStore = pgliteStore(),
): Promise<RepairDay> {
  const clock = createManualClock('2026-03-03T08:00:00+08:00');
  let n = 0;
  const desk = createTicketing({
    clock,
    store,
    customFields,
    generateId: (kind) => (kind === 'ticket' ? `RO-${++n}` : `c-${clock.now().getTime()}-${++n}`),
    sla: { policies: [policy] },
    dispatch: {
      dispatcher: createDispatcher({
        weights: { skill: 0.4, load: 0.2, distance: 0.4 },
        maxDistanceKm: 40,
      }),
      agents: () => engineers,
    },
  });
  const hhmm = (d: Date | string = clock.now()) =>
    new Date(d)
      .toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
      .slice(0, 5);
  const escalations: RepairDay['escalations'] = [];
  desk.on('sla.escalated', (e) => {
    escalations.push({ ticketId: e.ticketId, at: e.at, rule: e.rule, notify: e.notify });
    log(
      `  ${hhmm(e.at)} ⚠ ${e.ticketId} ${e.rule}: no update from ${e.ticket.assignee} for 2h → ${e.notify.join(', ')}`,
    );
  });
  /** Moves the clock to hh:mm, letting SLA timers fire on the way. */
  const until = async (time: string) => {
    const end = new Date(`2026-03-03T${time}:00+08:00`).getTime();
    while (clock.now().getTime() < end) {
      clock.advance(Math.min(15 * 60_000, end - clock.now().getTime()));
      await desk.sla.idle();
    }
  };

  const dispatched: RepairDay['dispatched'] = {};
  const order = async (draft: TicketDraft & { custom: { site: string } }) => {
    const t = await desk.create({ channel: 'phone', ...draft }, { actor: coordinator });
    const { assigned: a } = await desk.dispatch(t.id, { actor: coordinator });
    if (!a) throw new Error(`nobody can take ${t.id}`);
    dispatched[t.id] = { agentId: a.agentId, score: a.score, breakdown: { ...a.breakdown } };
    const f = (x: number) => x.toFixed(2);
    log(
      `  ${hhmm()} ${t.id} ${t.title} (${t.category}, ${draft.custom.site}) → ${a.agentId} ` +
        `[score ${a.score.toFixed(3)}: skill ${f(a.breakdown.skill)}, load ${f(a.breakdown.load)}, distance ${f(a.breakdown.distance)}]`,
    );
    return t.id;
  };
  /** A check-in from the engineer's phone: appended to the order's evidence (a staff update). */
  const checkIn = async (id: string, entry: z.infer<typeof Evidence>) => {
    const t = (await desk.get(id))!;
    const checkIns = [
      ...((t.custom.checkIns as CheckIn[]) ?? []),
      { ...entry, at: clock.now().toISOString() },
    ];
    await desk.update(
      id,
      { custom: { checkIns } },
      { ...as(t.assignee!), expectedVersion: t.version },
    );
    log(`  ${hhmm()} ${id} ${t.assignee} checks in: ${entry.kind}`);
  };
  const work = (id: string, to: 'in_progress' | 'awaiting_feedback' | 'resolved', body?: string) =>
    desk.get(id).then(async (t) => {
      if (body) await desk.comment(id, { body }, as(t!.assignee!));
      await desk.transition(id, to, as(t!.assignee!));
      log(`  ${hhmm()} ${id} → ${to}${body ? `: "${body}"` : ''}`);
    });
  /** The customer answers in the service mini-program; a "not fixed" puts the order back to work. */
  const customerSays = async (id: string, body: string, fixed: boolean) => {
    const t = (await desk.get(id))!;
    await desk.comment(id, { body }, { actor: { id: t.requester, roles: ['requester'] } });
    if (!fixed) await desk.transition(id, 'in_progress', as(t.assignee!));
    log(`  ${hhmm()} ${id} customer: "${body}"${fixed ? '' : ' → back to in_progress'}`);
  };

  log('Tuesday 3 March 2026, field repair, Shanghai:');
  await until('08:05');
  const lift = await order({
    title: 'Elevator stuck between floors 3 and 4',
    category: 'elevator',
    ...{ priority: 'urgent', risk: 'high', requester: 'o_mall_fm' },
    ...site('Xujiahui mall', 31.1951, 121.4368),
  });
  await until('08:20');
  const cold = await order({
    title: 'Cold-room compressor keeps tripping',
    category: 'hvac',
    ...{ priority: 'high', requester: 'o_canteen' },
    ...site('Zhangjiang canteen', 31.204, 121.5906),
  });
  await until('08:40');
  const panel = await order({
    title: 'Distribution panel smells burnt',
    category: 'electrical',
    ...{ priority: 'high', requester: 'o_plant' },
    ...site('Jiading plant', 31.356, 121.25),
  });
  const door = await order({
    title: 'Lift door sensor intermittent',
    category: 'elevator',
    requester: 'o_office',
    ...site('Hongqiao office', 31.1979, 121.3364),
  });

  await until('08:45');
  await work(lift, 'in_progress');
  await checkIn(lift, { kind: 'gps', lat: 31.1953, lng: 121.4371 });
  await work(cold, 'in_progress');
  await checkIn(cold, { kind: 'gps', lat: 31.2041, lng: 121.5903 });
  await until('09:20');
  await work(panel, 'in_progress');
  await checkIn(panel, { kind: 'gps', lat: 31.3561, lng: 121.2502 });
  await until('09:40');
  await checkIn(lift, {
    kind: 'photo',
    sha256: 'b3f1…e07a',
    caption: 'brake coil burnt, replaced',
  });
  await checkIn(lift, {
    kind: 'voice',
    seconds: 42,
    transcript: '抱闸线圈烧了，已更换，试运行十次正常',
  });

  // Only a supervisor may close a high-risk order: the engineer's attempt is refused.
  let refusal: RepairDay['refusal'] = null;
  try {
    await desk.transition(lift, 'resolved', as('eng.zhou'));
  } catch (e) {
    if (!isTicketkitError(e) || e.code !== 'permission_denied') throw e;
    refusal = { code: e.code, rule: (e as { rule?: string }).rule ?? '', message: e.message };
    log(`  ${hhmm()} ${lift} eng.zhou tries to resolve: refused (${e.code}, rule ${refusal.rule})`);
  }
  await work(lift, 'awaiting_feedback', '已更换抱闸线圈，请确认电梯运行正常');
  await until('10:00');
  await customerSays(lift, '电梯正常了，谢谢', true);
  await desk.transition(lift, 'resolved', { actor: supervisor });
  log(`  ${hhmm()} ${lift} resolved by ${supervisor.id} after the customer confirmed`);

  await until('10:30');
  await checkIn(panel, {
    kind: 'photo',
    sha256: '9ac0…41d2',
    caption: 'loose busbar bolt, re-torqued',
  });
  await work(panel, 'resolved', 'Bolt re-torqued, thermal scan normal.');
  await until('11:00');
  await work(door, 'in_progress'); // Zhou's second order of the day
  await checkIn(door, { kind: 'gps', lat: 31.198, lng: 121.3366 });

  // Qian has been silent on the cold room since 08:45: at 10:45 the supervisor hears of it.
  await until('11:10');
  await desk.comment(
    cold,
    { body: '@eng.qian status?', visibility: 'internal' },
    { actor: supervisor },
  );
  await until('11:30');
  await checkIn(cold, {
    kind: 'voice',
    seconds: 35,
    transcript: 'start capacitor failed, replacing it',
  });
  await checkIn(cold, {
    kind: 'photo',
    sha256: '11e5…c9b0',
    caption: 'new start capacitor fitted',
  });
  await work(cold, 'awaiting_feedback', '已更换启动电容，请观察库温');
  await until('12:30');
  await checkIn(door, { kind: 'photo', sha256: '5be8…0f6c', caption: 'sensor realigned' });
  await work(door, 'resolved', 'Door sensor realigned, 20 cycles without fault.');
  await until('14:00');
  await customerSays(cold, '库温还是零下5度，没降下来', false);
  await until('15:00');
  await checkIn(cold, {
    kind: 'photo',
    sha256: '7d2a…aa13',
    caption: 'refrigerant topped up, -18°C reached',
  });
  await work(cold, 'awaiting_feedback', '已补充冷媒，库温-18度');
  await until('16:00');
  await customerSays(cold, '好了，-18度', true);
  await work(cold, 'resolved');
  await until('18:00');

  const orders = (await desk.list({ sort: 'createdAt' })).items as Ticket[];
  const histories: RepairDay['histories'] = {};
  log('\nEnd of day:');
  for (const t of orders) {
    histories[t.id] = await desk.history(t.id);
    const kinds = (t.custom.checkIns as CheckIn[]).map((c) => c.kind).join(', ');
    log(`  ${t.id} ${t.status.padEnd(11)} ${t.assignee} · check-ins: ${kinds}`);
  }
  return { orders, histories, dispatched, escalations, refusal };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
