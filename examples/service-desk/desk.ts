/**
 * A customer service desk for one day: phone calls, WeChat messages, e-mails and web forms land
 * in one pool; keyword rules classify them; an SLA per priority (urgent: assigned within 30
 * minutes, normal within 4 business hours) on Shanghai office hours; every new ticket is
 * dispatched by skill and load; SLA escalations and breaches notify the supervisor; every
 * notification lands in the in-app inbox with an unread mark. Run with
 * `npx tsx examples/service-desk/desk.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  type Agent,
  createCalendar,
  createDispatcher,
  createManualClock,
  createNotificationQueue,
  createTicketing,
  defineRouting,
  defineRules,
  defineSlaPolicy,
  type InboxEntry,
  inboxNotifier,
  memoryInbox,
  type RecipientDirectory,
  type SlaBoard,
  TICKETKIT_EVENT_TYPES,
  type Ticket,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';

const day = ['09:00-12:00', '13:00-18:00'];
/** Office hours, Monday to Friday, with a lunch break. */
export const office = createCalendar({
  timeZone: 'Asia/Shanghai',
  weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
});

/** Assignment and resolution targets per priority, in business time. */
export const policy = defineSlaPolicy({
  id: 'service-desk',
  calendar: office,
  targets: {
    assignment: { urgent: '30m', high: '2h', normal: '4h', low: '1d' },
    resolution: { urgent: '4h', high: '1d', normal: '2d', low: '5d' },
  },
  escalations: [
    // At 75% of the assignment target with nobody on the ticket, tell the supervisor.
    { name: 'unassigned', metric: 'assignment', at: 0.75, actions: [{ notify: 'supervisor' }] },
  ],
});

/** Keyword rules: the category is the skill dispatch looks for; some words make it urgent. */
const keywords: Record<string, string[]> = {
  billing: ['扣费', '退款', '发票', 'refund', 'invoice', 'charged'],
  delivery: ['快递', '物流', '没收到', 'delivery', 'parcel'],
  account: ['账号', '密码', '登录', 'login', 'password'],
  product: ['坏了', '故障', '质量', 'broken', 'defect'],
};
export const rules = defineRules([
  ...Object.entries(keywords).map(([category, any]) => ({
    name: category,
    when: { any },
    set: { category },
  })),
  {
    name: 'urgent',
    when: { any: ['紧急', '投诉', '被盗', 'urgent'] },
    set: { priority: 'urgent' },
  },
]);

/** The team. Wang Fang can take one ticket at a time; Zhao Lei is on leave today. */
export const agents: Agent[] = [
  { id: 'wang.fang', skills: { billing: 5, account: 3 }, load: 0, capacity: 1, calendar: office },
  { id: 'chen.jie', skills: { delivery: 5, product: 2 }, load: 0, capacity: 3, calendar: office },
  { id: 'liu.yang', skills: { product: 5, delivery: 3 }, load: 0, capacity: 3, calendar: office },
  { id: 'zhao.lei', skills: { account: 5, billing: 2 }, load: 0, capacity: 3, available: false },
];
const supervisor = { id: 'zhang.min', roles: ['supervisor'] };
const staff = new Set([...agents.map((a) => a.id), supervisor.id]);

/** Who gets notified: the assignee and the supervisor, all of them staff who may read every ticket. */
const directory: RecipientDirectory = {
  resolve(to, event) {
    if (to === 'assignee') return event.ticket.assignee ? [{ id: event.ticket.assignee }] : [];
    if (
      to === 'supervisors' ||
      (typeof to === 'object' && 'role' in to && to.role === 'supervisor')
    )
      return [{ id: supervisor.id, name: '张敏' }];
    return []; // customers hear back on their own channel, not in the staff inbox
  },
  canRead: (id) => staff.has(id),
};

const routing = defineRouting([
  { name: 'assigned', on: 'ticket.assigned', to: 'assignee', channels: ['inbox'] },
  { name: 'commented', on: 'ticket.commented', to: 'assignee', channels: ['inbox'] },
  { name: 'at-risk', on: 'sla.escalated', to: 'escalation', channels: ['inbox'] },
  {
    name: 'breached',
    on: 'sla.breached',
    to: ['assignee', 'supervisors'],
    channels: ['inbox'],
    urgent: true,
  },
]);

/** What the day produced, for the test. */
export interface ServiceDeskDay {
  tickets: Ticket[];
  board: SlaBoard;
  inbox: Record<string, { unread: number; entries: InboxEntry[] }>;
  duplicatesIgnored: number;
}

/** Runs one Monday (2 March 2026, Shanghai) of the service desk. */
export async function main(
  log: (line: string) => void = console.log,
  store: TicketStore = pgliteStore(),
): Promise<ServiceDeskDay> {
  const clock = createManualClock('2026-03-02T09:00:00+08:00');
  let ticketNo = 0;
  let commentNo = 0;
  const desk = createTicketing({
    clock,
    store,
    generateId: (kind) => (kind === 'ticket' ? `TK-${++ticketNo}` : `C-${++commentNo}`),
    sla: { policies: [policy] },
    dispatch: {
      dispatcher: createDispatcher({ weights: { skill: 0.6, load: 0.4 } }),
      agents: () => agents,
      autoDispatch: true,
    },
  });

  // Notifications: every desk event is routed; messages go through the queue into the inbox.
  const inbox = memoryInbox({ clock });
  const queue = createNotificationQueue({ notifiers: { inbox: inboxNotifier(inbox) }, clock });
  const routed: Promise<unknown>[] = [];
  for (const type of TICKETKIT_EVENT_TYPES) {
    desk.on(type, (e) => {
      routed.push(routing.route(e, directory).then((m) => queue.enqueue(m)));
    });
  }
  const time = (at: Date | string = clock.now()) =>
    new Date(at)
      .toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
      .slice(0, 5);
  desk.on('sla.escalated', (e) =>
    log(`  ${time(e.at)} ⚠ ${e.ticketId} ${e.rule}: supervisor told`),
  );
  desk.on('sla.breached', (e) => log(`  ${time(e.at)} ✖ ${e.ticketId} ${e.metric} SLA breached`));
  const settle = async () => {
    await desk.sla.idle();
    while (routed.length) await Promise.all(routed.splice(0));
    await queue.tick();
  };
  /** Lets the day run to hh:mm in five-minute steps, firing SLA timers on the way. */
  const until = async (hhmm: string) => {
    const end = new Date(`2026-03-02T${hhmm}:00+08:00`).getTime();
    while (clock.now().getTime() < end) {
      clock.advance(Math.min(300_000, end - clock.now().getTime()));
      await settle();
    }
  };

  // Every channel's gateway hands messages to the desk as a service account.
  const gateway = { id: 'gateway', roles: ['agent'] };
  const unix = () => Math.floor(clock.now().getTime() / 1000);
  let duplicatesIgnored = 0;
  const seen = new Set<string>();
  const take = async (message: Record<string, unknown>) => {
    const r = await desk.intake(message, { actor: gateway, classifier: rules });
    await settle();
    const t = (await desk.get(r.ticket.id))!;
    const dup = seen.has(r.dedupKey);
    if (dup) duplicatesIgnored++;
    seen.add(r.dedupKey);
    const what = dup ? 'again →' : r.kind === 'commented' ? 'reply →' : 'new';
    log(
      `  ${time()} ${String(message.channel).padEnd(6)} ${what} ${t.id} [${t.category ?? '—'}/${t.priority}] → ${t.assignee ?? 'pool (nobody eligible)'}`,
    );
    return t;
  };
  const agentCtx = (id: string) => ({ actor: { id, roles: ['agent'] } });
  const reply = async (t: Ticket, body: string) => {
    await desk.comment(t.id, { body }, agentCtx(t.assignee!));
    await desk.transition(t.id, 'in_progress', agentCtx(t.assignee!));
  };
  const resolve = async (id: string) => {
    const t = (await desk.get(id))!;
    await desk.transition(t.id, 'resolved', agentCtx(t.assignee!));
    log(`  ${time()} ✓ ${t.id} resolved by ${t.assignee}`);
  };

  log('Monday 2 March 2026, Shanghai:');
  await until('09:05');
  const parcel = await take({
    channel: 'phone',
    callId: 'call-0905-17',
    caller: '+86 138 0000 1234',
    summary: '订单 8812 的快递三天没收到',
    transcript: '客户：我的快递三天了还没收到，物流也不更新。',
  });
  await until('09:10');
  const wechat = {
    channel: 'wechat',
    msgId: '24001',
    openId: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M',
    content: '紧急！同一笔订单被扣费两次，请尽快退款',
    msgType: 'text',
    createTime: unix(),
  };
  const doubleCharge = await take(wechat);
  await reply(doubleCharge, '已核实重复扣费，退款处理中。');
  await until('09:11');
  await take(wechat); // WeChat re-delivers when the gateway answers slowly: still one ticket
  await until('09:20');
  const login = await take({
    channel: 'email',
    messageId: '<CAF1.login@mail.example.com>',
    from: { address: 'ann.li@example.com', name: 'Ann Li' },
    subject: 'Cannot login: password reset link expired',
    text: 'The reset link says it expired. I need to log in today.',
  });
  await until('09:30');
  const blender = await take({
    channel: 'web',
    submissionId: 'form-5531',
    title: '破壁机用了两天就坏了',
    description: '开机后有焦味，然后不转了。',
    name: '周先生',
    email: 'zhou@example.cn',
  });
  await reply(parcel, '已联系快递公司，今天下午送达。');
  await reply(blender, '请寄回检测，运费我们承担。');

  await until('11:00');
  await resolve(doubleCharge.id); // Wang Fang is free again, but nobody re-dispatches by itself...
  await until('13:30');
  // ...until the supervisor reads the at-risk notice and dispatches the waiting ticket.
  log(
    `  ${time()} 张敏 has ${await inbox.unreadCount(supervisor.id)} unread; dispatches ${login.id}`,
  );
  await inbox.markRead(supervisor.id, 'all');
  const { assigned } = await desk.dispatch(login.id, { actor: supervisor });
  await settle();
  log(`  ${time()} ${login.id} → ${assigned?.agentId}`);

  await until('14:00');
  await take({
    channel: 'email',
    messageId: '<CAF2.login@mail.example.com>',
    from: { address: 'ann.li@example.com', name: 'Ann Li' },
    subject: `Re: Cannot login [#${login.id}]`,
    text: 'Still expired, tried twice.\n\nOn Mon, 2 Mar 2026 at 09:20 Ann Li wrote:\n> The reset link says it expired.',
  });
  await until('15:30');
  await resolve(parcel.id);

  await until('16:00');
  const stolen = await take({
    channel: 'wechat',
    msgId: '24107',
    openId: 'o6_bmjrPTlm6_9xQcN2kLm5RtA1B',
    content: '账号被盗了，有人用我的账号下单',
    msgType: 'text',
    createTime: unix(),
  });
  await until('16:40');
  await desk.assign(stolen.id, supervisor.id, { actor: supervisor }); // she takes it herself, late
  await settle();
  log(`  ${time()} ${stolen.id} taken by ${supervisor.id}`);
  await until('18:00');

  const board = await desk.sla.board();
  const c = board.counts;
  log(`\nSLA board at 18:00: ${c.open} open, ${c.atRisk} at risk, ${c.breached} breached`);
  for (const r of board.rows) {
    log(`  [${r.state.padEnd(8)}] ${r.ticket.id} ${r.ticket.priority.padEnd(6)} ${r.ticket.title}`);
  }
  const inboxes: ServiceDeskDay['inbox'] = {};
  log('\nInbox:');
  for (const id of staff) {
    const entries = await inbox.list(id);
    inboxes[id] = { unread: await inbox.unreadCount(id), entries };
    if (entries.length) log(`  ${id.padEnd(9)} ${inboxes[id].unread} unread / ${entries.length}`);
  }
  const tickets = (await desk.list({ sort: 'createdAt', direction: 'asc' })).items as Ticket[];
  return { tickets, board, inbox: inboxes, duplicatesIgnored };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
