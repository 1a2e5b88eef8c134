/**
 * Quickstart: one repair ticket from intake to archive, with its audit trail, on the embedded
 * PostgreSQL store (PGlite, in memory: no server needed). Run with `npx tsx examples/quickstart.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  type AuditEntry,
  createManualClock,
  createTicketing,
  isTicketkitError,
  type Ticket,
  type TicketStore,
  workflowToMermaid,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';

/** Runs the quickstart and returns the archived ticket and its audit trail. */
export async function main(
  log: (line: string) => void = console.log,
  store: TicketStore = pgliteStore(),
): Promise<{
  ticket: Ticket;
  history: AuditEntry[];
}> {
  // A manual clock makes the output repeatable; drop it to use the system clock.
  const clock = createManualClock('2026-03-02T09:00:00+08:00');
  const desk = createTicketing({ clock, store });
  desk.on('ticket.transitioned', (e) =>
    log(`  event: ${e.from} -> ${e.to} (v${e.ticket.version})`),
  );

  const customer = { id: 'cust-042', roles: ['requester'] };
  const agent = { id: 'li.wei', roles: ['agent'] };
  const supervisor = { id: 'zhang.min', roles: ['supervisor'] };
  const request = { ip: '203.0.113.10', userAgent: 'service-portal/2.3' };

  log('A customer reports a broken printer on the web portal:');
  let t = await desk.create(
    {
      title: 'Printer on floor 3 jams',
      priority: 'high',
      risk: 'high',
      channel: 'web',
      category: 'hardware',
    },
    { actor: customer, request, idempotencyKey: 'portal-form-8812' },
  );
  log(`  ${t.id}: "${t.title}" is ${t.status}, version ${t.version}`);

  clock.advance({ minutes: 12 });
  t = await desk.assign(t.id, agent.id, { actor: agent, expectedVersion: t.version });
  t = await desk.transition(t.id, 'in_progress', { actor: agent, expectedVersion: t.version });
  await desk.comment(t.id, { body: 'Which tray jams? A photo helps.' }, { actor: agent });

  clock.advance({ minutes: 5 });
  t = (await desk.get(t.id))!;
  t = await desk.transition(t.id, 'awaiting_feedback', {
    actor: agent,
    expectedVersion: t.version,
  });

  clock.advance({ hours: 2 });
  await desk.comment(t.id, { body: 'Tray 2, photo attached.' }, { actor: customer });
  t = await desk.transition(t.id, 'in_progress', { actor: agent });

  clock.advance({ minutes: 40 });
  log('The agent tries to close it, but the ticket is high-risk:');
  try {
    await desk.transition(t.id, 'resolved', { actor: agent });
  } catch (e) {
    if (!isTicketkitError(e)) throw e;
    log(`  refused (${e.code}): ${e.message.split(' See ')[0]}`);
  }
  t = await desk.transition(t.id, 'resolved', { actor: supervisor, request });
  clock.advance({ days: 3 });
  t = await desk.transition(t.id, 'archived', { actor: supervisor });
  log(`Final: ${t.status}, version ${t.version}, reopened ${t.reopenCount} times`);

  const history = await desk.history(t.id);
  log('Audit trail:');
  for (const e of history) {
    const what = Object.entries(e.changes)
      .filter(([k]) => e.action !== 'create' || ['status', 'priority', 'risk'].includes(k))
      .map(([k, v]) => `${k}: ${JSON.stringify(v.from)} -> ${JSON.stringify(v.to)}`)
      .join(', ');
    const note = e.action === 'comment' ? `${String(e.meta?.visibility)} comment` : '';
    log(
      `  #${e.seq} ${e.at} ${e.actor.id.padEnd(10)} ${e.action.padEnd(10)} ${what}${note}${e.ip ? ` [${e.ip}]` : ''}`,
    );
  }
  log('\nThe workflow, as a Mermaid diagram:');
  log(workflowToMermaid(desk.workflow));
  await store.close();
  return { ticket: t, history };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
