import { beforeAll, describe, expect, it } from 'vitest';
import { main, type ServiceDeskDay } from '../../examples/service-desk/desk';

describe('service-desk example: one Monday on the desk (PGlite)', () => {
  let day: ServiceDeskDay;
  const lines: string[] = [];
  const ticket = (id: string) => day.tickets.find((t) => t.id === id)!;
  const clock = (id: string, metric: string) =>
    ticket(id).sla?.clocks.find((c) => c.metric === metric);

  beforeAll(async () => {
    day = await main((l) => lines.push(l));
  }, 120_000);

  it('takes phone, WeChat, e-mail and web form into one pool, once per message', () => {
    expect(day.tickets.map((t) => [t.id, t.channel])).toEqual([
      ['TK-1', 'phone'],
      ['TK-2', 'wechat'],
      ['TK-3', 'email'],
      ['TK-4', 'web'],
      ['TK-5', 'wechat'],
    ]);
    expect(day.duplicatesIgnored).toBe(1); // the re-delivered WeChat message
    expect(ticket('TK-3').requester).toBe('ann.li@example.com');
  });

  it('classifies by keywords and dispatches by skill, capacity and who is on leave', () => {
    expect(day.tickets.map((t) => [t.category, t.priority, t.assignee])).toEqual([
      ['delivery', 'normal', 'chen.jie'],
      ['billing', 'urgent', 'wang.fang'],
      ['account', 'normal', 'wang.fang'], // waited in the pool until she was free
      ['product', 'normal', 'liu.yang'],
      ['account', 'urgent', 'zhang.min'], // nobody eligible; the supervisor took it
    ]);
    expect(day.tickets.map((t) => t.status)).toEqual([
      'resolved',
      'resolved',
      'pending',
      'in_progress',
      'pending',
    ]);
  });

  it('holds the SLA on office hours: urgent 30 min, normal 4 business hours', () => {
    // Urgent TK-2 was dispatched as it arrived.
    expect(clock('TK-2', 'assignment')).toMatchObject({ status: 'met', breachedAt: null });
    // Normal TK-3 at 09:20: due 14:20 (lunch does not count), so the supervisor hears at 75%
    // (13:20) and dispatches at 13:30, in time.
    expect(lines).toContain('  13:20 ⚠ TK-3 unassigned: supervisor told');
    expect(clock('TK-3', 'assignment')).toMatchObject({
      status: 'met',
      metAt: '2026-03-02T05:30:00.000Z',
      breachedAt: null,
    });
    // Urgent TK-5 at 16:00: due 16:30, breached, assigned 10 minutes late.
    expect(clock('TK-5', 'assignment')).toMatchObject({
      breachedAt: '2026-03-02T08:30:00.000Z',
      metAt: '2026-03-02T08:40:00.000Z',
    });
    expect(lines.filter((l) => l.includes('✖'))).toEqual([
      '  16:30 ✖ TK-5 assignment SLA breached',
    ]);
  });

  it('ends the day with the open tickets on the board, next breach first', () => {
    expect(day.board.rows.map((r) => r.ticket.id)).toEqual(['TK-5', 'TK-3', 'TK-4']);
    expect(day.board.rows[0]?.nextDueAt).toBe('2026-03-03T03:00:00.000Z'); // Tue 11:00
    expect(day.board.counts).toEqual({ open: 3, atRisk: 0, breached: 0, paused: 0 });
  });

  it('notifies through the inbox with unread marks', () => {
    const kinds = (id: string) => day.inbox[id]!.entries.map((e) => `${e.type} ${e.ticketId}`);
    expect(kinds('wang.fang').sort()).toEqual([
      'ticket.assigned TK-2',
      'ticket.assigned TK-3',
      'ticket.commented TK-3', // the customer's e-mail reply, threaded by [#TK-3]
    ]);
    expect(day.inbox['wang.fang']!.unread).toBe(3);
    expect(kinds('zhang.min').sort()).toEqual([
      'sla.breached TK-5',
      'sla.escalated TK-3',
      'sla.escalated TK-5',
    ]);
    // She read the 13:20 notice before dispatching TK-3; the two about TK-5 are unread.
    expect(day.inbox['zhang.min']!.unread).toBe(2);
    expect(day.inbox['zhang.min']!.entries.filter((e) => e.readAt).map((e) => e.ticketId)).toEqual([
      'TK-3',
    ]);
    expect(kinds('zhao.lei')).toEqual([]); // on leave, never dispatched
  });
});
