/**
 * Manufacturing work orders (生产工单) in a machining workshop: each order passes through process
 * steps (工序) defined as a workflow, and is released to the floor only after a multi-level
 * approval: the workshop head, then a technical and a budget review in parallel, then the plant
 * manager, with delegates for absent approvers and nudges (催办) from the planner. At the end of
 * the week a dwell-time report shows how long orders sat at each step, and the workflow diagram
 * is rendered from the definition. Run with `npx tsx examples/production-orders/production.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  ApprovalError,
  type ApprovalInstance,
  createApprovals,
  createCalendar,
  createManualClock,
  createTicketing,
  defineApprovalFlow,
  defineWorkflow,
  dwellTimes,
  isTicketkitError,
  memoryStore,
  type Ticket,
  type TicketStore,
  workflowToMermaid,
} from 'ticketkit';

/** The process steps. `approval` waits for the release approval; `inspection` may send back. */
export const workOrder = defineWorkflow({
  id: 'work-order',
  initial: 'draft',
  states: {
    draft: { to: ['approval'], label: '草拟' },
    approval: { to: [{ to: 'released', label: 'approved' }, 'draft'], label: '审批' },
    released: { to: ['cutting'], label: '已下达' },
    cutting: { to: ['machining'], label: '下料' },
    machining: { to: ['welding'], label: '机加工' },
    welding: { to: ['inspection'], label: '焊接' },
    inspection: {
      label: '质检',
      to: [
        { to: 'warehoused', guard: { name: 'qc-pass', roles: ['qc'] } },
        { to: 'machining', label: 'rework', reopen: true },
      ],
    },
    warehoused: { terminal: true, label: '入库' },
  },
});
export type Step = (typeof workOrder.states)[number];

/** Release approval: head → technical ∥ budget → plant manager. */
export const release = defineApprovalFlow({
  id: 'release',
  steps: [
    { name: 'workshop head', approver: 'head.liu', delegate: 'deputy.zhao' },
    { group: [{ role: 'tech' }, { role: 'budget' }], mode: 'all' },
    { name: 'plant manager', approver: 'mgr.chen', delegate: 'mgr.deputy' },
  ],
  gates: { to: 'released' },
  onReject: { moveTo: 'draft' },
});

const shift = ['08:00-12:00', '13:00-17:00'];
/** The plant works Monday to Saturday; delegation deadlines count these hours only. */
const plantHours = createCalendar({
  timeZone: 'Asia/Shanghai',
  weekly: { mon: shift, tue: shift, wed: shift, thu: shift, fri: shift, sat: shift },
});
const members: Record<string, string[]> = { tech: ['tech.ma'], budget: ['fin.song'] };

/** What the week produced, for the test. */
export interface ProductionWeek {
  orders: Ticket<Step>[];
  approvals: Record<string, ApprovalInstance[]>;
  /** Hours per step, per order, and the mean over the orders that went through the step. */
  dwell: Record<string, Partial<Record<Step, number>>>;
  meanHours: Partial<Record<Step, number>>;
  /** What happened on the approval path, in order. */
  events: string[];
  mermaid: string;
}

/** Runs the week of Monday 2 March 2026. */
export async function main(
  log: (line: string) => void = console.log,
  store: TicketStore = memoryStore(),
): Promise<ProductionWeek> {
  const clock = createManualClock('2026-03-02T08:00:00+08:00');
  const events: string[] = [];
  const engine = createApprovals({
    clock,
    directory: { membersOf: (role) => members[role] ?? [], calendarOf: () => plantHours },
    delegateAfter: '8h', // one working day
    nudgeInterval: 4 * 3_600_000,
    onEvent: (e) => {
      const who =
        e.type === 'approval.decided'
          ? `${e.actorId}${e.onBehalfOf ? ` for ${e.onBehalfOf}` : ''} ${e.decision}s`
          : e.type === 'approval.delegated'
            ? `${e.from} → ${e.to}`
            : e.type === 'approval.completed'
              ? e.outcome
              : `notify ${e.notify.users.join(', ')}`;
      events.push(`${stamp()} ${e.ticketId} ${e.type.slice(9)} ${who}`);
    },
  });
  let n = 0;
  const desk = createTicketing({
    clock,
    store,
    workflow: workOrder,
    approvals: { engine, flows: [release] },
    generateId: (kind) => (kind === 'ticket' ? `WO-${++n}` : `c-${++n}`),
  });
  const stamp = () =>
    clock.now().toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }).slice(5, -3);
  const person = (id: string, ...roles: string[]) => ({
    actor: { id, roles: ['agent', ...roles] },
  });
  const planner = person('plan.wu');
  /** Sets the clock to a day of the week (0 = Monday) and time, and runs due delegations. */
  const at = async (day: number, hhmm: string) => {
    clock.set(new Date(`2026-03-0${2 + day}T${hhmm}:00+08:00`));
    for (const d of (await engine.tick()).delegated)
      log(`  ${stamp()} ${d.ticketId}: ${d.from} has not decided for a working day → ${d.to}`);
  };
  const move = async (id: string, to: Step, by = person('floor.he')) => {
    await desk.transition(id, to, by);
    log(`  ${stamp()} ${id} → ${to} (${workOrder.labelOf(to)})`);
  };
  const decide = async (
    id: string,
    who: ReturnType<typeof person>,
    decision: 'approve' | 'reject',
    comment?: string,
  ) => {
    const inst = (await desk.approvals.status(id)).at(-1)!;
    await desk.approvals.decide(inst.id, { decision, ...(comment ? { comment } : {}) }, who);
    log(`  ${stamp()} ${id} ${who.actor.id} ${decision}s${comment ? `: ${comment}` : ''}`);
  };
  const nudge = async (id: string) => {
    const inst = (await desk.approvals.status(id)).at(-1)!;
    try {
      const r = await engine.nudge(inst.id, { actor: planner.actor });
      log(`  ${stamp()} ${id} plan.wu nudges (催办 #${r.nudges}): ${r.notify.users.join(', ')}`);
    } catch (e) {
      if (!(e instanceof ApprovalError)) throw e;
      const when = new Date(e.retryAt!).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai' });
      log(`  ${stamp()} ${id} plan.wu nudges again: refused (${e.reason}), next at ${when}`);
    }
  };

  log('Week of 2 March 2026, machining workshop:');
  const order = async (title: string) => {
    const t = await desk.create({ title, team: 'workshop-2' }, planner);
    await move(t.id, 'approval', planner);
    await desk.approvals.request(t.id, 'release', planner);
    return t.id;
  };
  await at(0, '08:30');
  const housings = await order('200 × gearbox housing GH-40');
  const frames = await order('30 × welded base frame BF-7');
  try {
    await move(housings, 'released', planner); // not approved yet: the gate holds
  } catch (e) {
    if (!isTicketkitError(e)) throw e;
    log(`  ${stamp()} ${housings} release refused (${e.code}): ${e.message.split('.')[0]}`);
  }
  await at(0, '09:30');
  await decide(housings, person('head.liu'), 'approve');
  await decide(frames, person('head.liu'), 'approve');
  await at(0, '10:00');
  await decide(housings, person('tech.ma', 'tech'), 'approve', 'tolerances OK');
  await decide(frames, person('tech.ma', 'tech'), 'approve');
  await at(0, '11:00');
  await decide(
    frames,
    person('fin.song', 'budget'),
    'reject',
    'over the Q1 steel budget; split the order',
  );
  log(`  ${stamp()} ${frames} sent back to ${(await desk.get(frames))!.status} by the rejection`);
  await at(0, '14:00');
  await nudge(housings);
  await at(0, '15:00');
  await nudge(housings); // within 4 h of the first: refused
  await at(0, '16:00');
  await decide(housings, person('fin.song', 'budget'), 'approve');
  // The plant manager is at a supplier all Tuesday: after one working day his deputy takes over.
  await at(1, '16:00');
  await at(1, '16:30');
  await decide(housings, person('mgr.deputy'), 'approve');
  await move(housings, 'released', planner);

  // Process steps through the week; the first inspection finds burrs and sends it back.
  const steps: [number, string, Step][] = [
    [2, '08:00', 'cutting'],
    [2, '13:00', 'machining'],
    [3, '10:00', 'welding'],
    [3, '15:00', 'inspection'],
    [3, '16:00', 'machining'],
    [4, '11:00', 'welding'],
    [4, '14:00', 'inspection'],
  ];
  for (const [day, hhmm, to] of steps) {
    await at(day, hhmm);
    await move(housings, to);
  }
  await at(4, '16:00');
  await move(housings, 'warehoused', person('qc.lin', 'qc'));
  await at(5, '12:00');

  // Dwell time per step, from each order's audit trail (the final state is not a step).
  const orders = [...(await desk.list({ sort: 'createdAt' })).items];
  const dwell: ProductionWeek['dwell'] = {};
  for (const o of orders) {
    dwell[o.id] = {};
    for (const d of dwellTimes(await desk.history(o.id), clock.now()))
      dwell[o.id]![d.state as Step] = Math.round(d.ms / 360_000) / 10;
  }
  const meanHours: ProductionWeek['meanHours'] = {};
  log('\nDwell time per step (hours, wall clock):');
  log(`  ${'step'.padEnd(11)}${orders.map((o) => o.id.padStart(7)).join('')}   mean`);
  for (const s of workOrder.states.filter((x) => !workOrder.isTerminal(x))) {
    const xs = orders.flatMap((o) => dwell[o.id]![s] ?? []);
    if (!xs.length) continue;
    meanHours[s] = Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;
    const cells = orders.map((o) => String(dwell[o.id]![s] ?? '—').padStart(7)).join('');
    log(`  ${s.padEnd(11)}${cells}${String(meanHours[s]).padStart(7)}  ${workOrder.labelOf(s)}`);
  }
  const mermaid = workflowToMermaid(workOrder);
  log(`\nThe workflow, from its definition:\n\n\`\`\`mermaid\n${mermaid}\`\`\``);
  const approvals: ProductionWeek['approvals'] = {};
  for (const o of orders) approvals[o.id] = await desk.approvals.status(o.id);
  return { orders, approvals, dwell, meanHours, events, mermaid };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
