import fc from 'fast-check';
import {
  createCalendar,
  createManualClock,
  createTicketing,
  type HandlingWindow,
  memoryStore,
  memoryWindows,
  NotFoundError,
  offShift,
  PermissionError,
  type TicketStore,
  ValidationError,
  windowsClash,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const sup = { id: 'sup', roles: ['supervisor'] };
// Day shift 09:00-18:00 Shanghai, Mon-Fri; night shift 20:00-24:00 every day.
const day = createCalendar({
  timeZone: 'Asia/Shanghai',
  weekly: {
    mon: ['09:00-18:00'],
    tue: ['09:00-18:00'],
    wed: ['09:00-18:00'],
    thu: ['09:00-18:00'],
    fri: ['09:00-18:00'],
  },
});
const calendars: Record<string, typeof day> = { net: day, app: day };

const setup = () => {
  const clock = createManualClock('2026-03-02T00:00:00Z'); // Monday 08:00 Shanghai
  const store = memoryStore();
  const desk = createTicketing({
    clock,
    store,
    windows: { calendarOf: (p) => calendars[p] },
  });
  return { clock, store, desk };
};

const issuesOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => {
      throw new Error('expected a ValidationError');
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ValidationError);
  return (e as ValidationError).issues.map((i) => `${i.path.join('.')}:${i.code}`);
};

describe('joint handling windows', () => {
  it('books, reports clashes with other windows and off-shift hours as values, lists and cancels', async () => {
    const { desk, store } = setup();
    const t1 = await desk.create({ title: 'Core switch swap' }, { actor: sup });
    const t2 = await desk.create({ title: 'EMR upgrade' }, { actor: sup });
    const a = await desk.windows.book(
      t1.id,
      {
        start: '2026-03-02T14:00:00+08:00',
        end: '2026-03-02T16:00:00+08:00',
        participants: ['net', 'app', 'net'],
      },
      { actor: sup },
    );
    expect(a.conflicts).toEqual([]);
    expect(a.window).toMatchObject({
      ticketId: t1.id,
      start: '2026-03-02T06:00:00.000Z',
      end: '2026-03-02T08:00:00.000Z',
      participants: ['app', 'net'],
      cancelledAt: null,
      createdBy: 'sup',
    });
    expect(a.ticket.version).toBe(2);
    // net again, overlapping by an hour, and running past the end of the shift; vendor has no calendar.
    const b = await desk.windows.book(
      t2.id,
      {
        start: '2026-03-02T15:00:00+08:00',
        end: '2026-03-02T19:00:00+08:00',
        participants: ['net', 'vendor'],
      },
      { actor: sup },
    );
    expect(b.conflicts).toEqual([
      { kind: 'window', participant: 'net', window: a.window },
      {
        kind: 'off_shift',
        participant: 'net',
        offShiftMinutes: 60,
        firstOffShiftAt: '2026-03-02T10:00:00.000Z',
      },
    ]);
    expect((await desk.history(t2.id)).at(-1)).toMatchObject({
      action: 'window_book',
      meta: { window: b.window, conflicts: b.conflicts },
    });
    expect(
      (await desk.windows.list({ participant: 'net' }, { actor: sup })).map((w) => w.id),
    ).toEqual([a.window.id, b.window.id]);
    expect(await desk.windows.list({ ticketId: t2.id })).toEqual([b.window]);

    // Refusing on conflict stores nothing and names the participant and the window.
    const before = await store.listAudit('default', t2.id);
    const e = await desk.windows
      .book(
        t2.id,
        {
          start: '2026-03-02T14:30:00+08:00',
          end: '2026-03-02T15:00:00+08:00',
          participants: ['app'],
          refuseOnConflict: true,
        },
        { actor: sup },
      )
      .catch((x) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.issues[0]).toMatchObject({ code: 'window_conflict', path: ['participants', 0] });
    expect(e.message).toContain(a.window.id);
    expect(await store.listAudit('default', t2.id)).toEqual(before);
    expect(await desk.windows.list({ participant: 'app' })).toEqual([a.window]);
    const night = await issuesOf(
      desk.windows.book(
        t2.id,
        {
          start: '2026-03-02T21:00:00+08:00',
          end: '2026-03-02T22:00:00+08:00',
          participants: ['app'],
          refuseOnConflict: true,
        },
        { actor: sup },
      ),
    );
    expect(night).toEqual(['participants.0:window_conflict']);

    // Cancel: audited, the slot is free again, a second cancel is refused.
    const c = await desk.windows.cancel(a.window.id, { actor: sup });
    expect(c).toMatchObject({ id: a.window.id, cancelledBy: 'sup' });
    expect((await desk.history(t1.id)).at(-1)?.action).toBe('window_cancel');
    expect(await desk.windows.list({ participant: 'app' })).toEqual([]);
    expect(await desk.windows.list({ participant: 'app', includeCancelled: true })).toEqual([c]);
    expect(await issuesOf(desk.windows.cancel(a.window.id, { actor: sup }))).toEqual([
      'windowId:window_cancelled',
    ]);
    const again = await desk.windows.book(
      t2.id,
      {
        start: '2026-03-02T14:30:00+08:00',
        end: '2026-03-02T15:00:00+08:00',
        participants: ['app'],
        refuseOnConflict: true,
      },
      { actor: sup },
    );
    expect(again.conflicts).toEqual([]);
  });

  it('validates input and naming the field', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: sup });
    const book = (input: unknown) => desk.windows.book(t.id, input as never, { actor: sup });
    expect(
      await issuesOf(
        book({ start: '2026-03-02T10:00:00Z', end: '2026-03-02T09:00:00Z', participants: ['a'] }),
      ),
    ).toEqual(['end:custom']);
    expect(
      await issuesOf(
        book({ start: '2026-03-02T10:00', end: '2026-03-02T11:00:00Z', participants: [] }),
      ).then((x) => x.sort()),
    ).toEqual(['participants:too_small', 'start:invalid_format']);
    expect(
      await issuesOf(
        book({ start: '2026-03-02T10:00:00Z', end: '2026-03-12T10:00:00Z', participants: ['a'] }),
      ),
    ).toEqual(['end:custom']);
    expect(
      await issuesOf(
        book({
          start: '2026-03-02T10:00:00Z',
          end: '2026-03-02T11:00:00Z',
          participants: ['a'],
          room: 1,
        }),
      ),
    ).toEqual(['room:unknown_field']);
    expect(await issuesOf(desk.windows.list({ from: 'soon' }))).toEqual(['from:invalid_value']);
  });

  it('checks permission, tenants and stores without windows', async () => {
    const { desk } = setup();
    const req = { id: 'r1', roles: ['requester'] };
    const t = await desk.create({ title: 'mine', requester: 'r1' }, { actor: sup });
    const w = { start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z', participants: ['net'] };
    await expect(desk.windows.book(t.id, w, { actor: req })).rejects.toBeInstanceOf(
      PermissionError,
    );
    const booked = await desk.windows.book(t.id, w, { actor: sup });
    await expect(desk.windows.cancel(booked.window.id, { actor: req })).rejects.toBeInstanceOf(
      PermissionError,
    );
    // Another tenant sees neither the ticket nor the window.
    const other = { id: 'o', roles: ['admin'], tenantId: 'B' };
    await expect(desk.windows.book(t.id, w, { actor: other })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(desk.windows.cancel(booked.window.id, { actor: other })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await desk.windows.list({}, { actor: other })).toEqual([]);
    // A requester lists only windows of tickets they may read.
    const hidden = await desk.create({ title: 'not mine' }, { actor: sup });
    await desk.windows.book(hidden.id, { ...w, participants: ['x'] }, { actor: sup });
    expect((await desk.windows.list({}, { actor: req })).map((x) => x.ticketId)).toEqual([t.id]);

    const bare: TicketStore = { ...memoryStore(), windows: undefined };
    const d2 = createTicketing({ store: bare });
    const t2 = await d2.create({ title: 'x' }, { actor: sup });
    expect(await issuesOf(d2.windows.book(t2.id, w, { actor: sup }))).toEqual([
      'store.windows:unsupported',
    ]);
  });

  it('takes the window back when the audit commit fails', async () => {
    const store = memoryStore();
    const failing: TicketStore = {
      ...store,
      async commit(c) {
        if (c.audit[0]?.action === 'window_book') throw new Error('disk full');
        return store.commit(c);
      },
    };
    const desk = createTicketing({ store: failing });
    const t = await desk.create({ title: 'x' }, { actor: sup });
    await expect(
      desk.windows.book(
        t.id,
        { start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z', participants: ['n'] },
        { actor: sup },
      ),
    ).rejects.toMatchObject({ code: 'store_failed' });
    expect(await desk.windows.list({ participant: 'n' })).toEqual([]);
  });

  it('property: the store reports exactly the live windows that share a participant and overlap', async () => {
    const arbWindow = fc.record({
      s: fc.integer({ min: 0, max: 40 }),
      len: fc.integer({ min: 1, max: 10 }),
      ps: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 3 }),
      cancel: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbWindow, { maxLength: 12 }),
        fc.boolean(),
        async (specs, exclusive) => {
          const ws = memoryWindows();
          const at = (h: number) => new Date(Date.UTC(2026, 2, 2, 0) + h * 3_600_000).toISOString();
          const stored: { id: string; s: number; e: number; ps: string[]; live: boolean }[] = [];
          for (const [i, x] of specs.entries()) {
            const w: HandlingWindow = {
              id: `w${String(i).padStart(2, '0')}`,
              tenantId: 't',
              ticketId: 'k',
              start: at(x.s),
              end: at(x.s + x.len),
              participants: [...x.ps].sort(),
              note: null,
              createdBy: 'u',
              createdAt: at(0),
              cancelledAt: null,
              cancelledBy: null,
            };
            const r = await ws.book(w, exclusive);
            // Oracle on whole hours: live, overlapping [s, s + len), sharing a participant.
            const want = stored.filter(
              (o) =>
                o.live &&
                x.s < o.e &&
                o.s < x.s + x.len &&
                o.ps.some((p) => (x.ps as string[]).includes(p)),
            );
            expect(r.clashes.map((c) => c.id).sort()).toEqual(want.map((c) => c.id).sort());
            expect(r.clashes.every((c) => windowsClash(w, c))).toBe(true);
            expect(r.booked).toBe(!(exclusive && want.length > 0));
            if (r.booked) {
              if (x.cancel) expect(await ws.cancel('t', w.id, at(0), 'u')).not.toBeNull();
              stored.push({ id: w.id, s: x.s, e: x.s + x.len, ps: x.ps, live: !x.cancel });
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('offShift finds the minutes and the first instant outside the calendar', () => {
    const d = (s: string) => new Date(s);
    expect(
      offShift(day, d('2026-03-02T10:00:00+08:00'), d('2026-03-02T12:00:00+08:00')),
    ).toBeNull();
    expect(offShift(day, d('2026-03-02T07:30:00+08:00'), d('2026-03-02T10:00:00+08:00'))).toEqual({
      offShiftMinutes: 90,
      firstOffShiftAt: '2026-03-01T23:30:00.000Z',
    });
    // Friday 17:00 to Monday 10:00: 1 h Friday + 1 h Monday in hours.
    expect(offShift(day, d('2026-03-06T17:00:00+08:00'), d('2026-03-09T10:00:00+08:00'))).toEqual({
      offShiftMinutes: 65 * 60 - 120,
      firstOffShiftAt: '2026-03-06T10:00:00.000Z',
    });
  });
});
