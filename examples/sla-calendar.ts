/**
 * SLA on a real calendar: an urgent and a normal ticket created on Friday 17:30 before the
 * Spring Festival holiday week, their due dates, and the SLA board after a simulated day.
 * Run with `npx tsx examples/sla-calendar.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  createCalendar,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  type SlaBoard,
  type Ticket,
} from 'ticketkit';

const workday = ['09:00-12:00', '13:00-18:00'];
/** Shanghai office hours; Spring Festival 2026: Feb 15-23 off, make-up workdays Sat Feb 14 and 28. */
export const shanghai = createCalendar({
  timeZone: 'Asia/Shanghai',
  weekly: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday },
  holidays: [
    '2026-02-16',
    '2026-02-17',
    '2026-02-18',
    '2026-02-19',
    '2026-02-20',
    '2026-02-23',
    'RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1', // New Year's Day, every year
  ],
  overrides: { '2026-02-14': workday, '2026-02-28': workday },
});

const local = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '—';

/** Runs the example and returns the two tickets and the board. */
export async function main(log: (line: string) => void = console.log): Promise<{
  urgent: Ticket;
  normal: Ticket;
  board: SlaBoard;
}> {
  const clock = createManualClock('2026-02-13T17:30:00+08:00'); // Friday 17:30
  const policy = defineSlaPolicy({
    id: 'after-sales',
    calendar: shanghai,
    targets: {
      assignment: { urgent: '30m', high: '1h', normal: '4h', low: '1d' },
      resolution: { urgent: '4h', high: '1d', normal: '3d', low: '5d' },
    },
    escalations: [
      {
        name: 'tell-lead',
        metric: 'assignment',
        at: 0.75,
        level: 1,
        actions: [{ notify: 'supervisor' }],
      },
      {
        name: 'raise',
        metric: 'assignment',
        at: 'breach',
        level: 2,
        actions: [{ raisePriority: true }],
      },
    ],
  });
  const desk = createTicketing({ clock, sla: { policies: [policy] } });
  desk.on('sla.warning', (e) =>
    log(`  warning: ${e.ticket.title} ${e.metric} at ${e.threshold * 100}%`),
  );
  desk.on('sla.breached', (e) =>
    log(`  BREACHED: ${e.ticket.title} ${e.metric} at ${local(e.breachedAt)}`),
  );
  desk.on('sla.escalated', (e) =>
    log(`  escalated (${e.rule}, level ${e.level}): notify ${e.notify.join(', ') || '—'}`),
  );

  const customer = { id: 'cust-7', roles: ['requester'] };
  const urgent = await desk.create(
    { title: 'Cold-storage unit alarm', priority: 'urgent' },
    { actor: customer },
  );
  const normal = await desk.create(
    { title: 'Label printer smudges', priority: 'normal' },
    { actor: customer },
  );
  log('Created Friday 17:30, before the Spring Festival week:');
  for (const t of [urgent, normal]) {
    for (const c of t.sla?.clocks ?? []) {
      log(`  ${t.priority.padEnd(6)} ${c.metric.padEnd(10)} due ${local(c.dueAt)}`);
    }
  }

  log('\nA simulated day passes (nobody picks the tickets up):');
  for (let h = 0; h < 24; h++) {
    clock.advance({ hours: 1 });
    await desk.sla.idle();
  }
  const board = await desk.sla.board();
  log(
    `\nSLA board at ${local(board.at)}: ${board.counts.open} open, ${board.counts.atRisk} at risk, ${board.counts.breached} breached`,
  );
  for (const row of board.rows) {
    const next = row.clocks.find((c) => c.status !== 'met');
    const left = next ? `${Math.round(next.remainingMinutes)} business min left` : '';
    log(
      `  [${row.state.padEnd(8)}] ${row.ticket.priority.padEnd(6)} ${row.ticket.title.padEnd(24)} next due ${local(row.nextDueAt)}  ${left}`,
    );
  }
  return { urgent, normal, board };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
