import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  AttachmentSchema,
  createManualClock,
  createTicketing,
  memoryStore,
  PermissionError,
  replayAudit,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const sup = { id: 'sup', roles: ['supervisor'] };
const tech = { id: 'tech-7', roles: ['agent'] };
const req = { id: 'r1', roles: ['requester'] };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const photo = {
  name: 'meter.jpg',
  type: 'image/jpeg',
  size: 182_331,
  checksum: sha('meter photo bytes'),
  url: 'https://files.example.com/t/1/meter.jpg',
};

const setup = () => {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  const store = memoryStore();
  const desk = createTicketing({ clock, store });
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

describe('attachments and check-ins as evidence', () => {
  it('records attachments and check-ins in the audit trail, lists them with the ticket', async () => {
    const { clock, store, desk } = setup();
    const t = await desk.create({ title: 'Meter fault', requester: 'r1' }, { actor: sup });
    const a = await desk.attach(t.id, { ...photo, url: '/files/1' }, { actor: req });
    expect(a.ticket.version).toBe(2);
    expect(a.evidence).toEqual({
      kind: 'attachment',
      id: `${t.id}:2`,
      ticketId: t.id,
      by: 'r1',
      recordedAt: '2026-03-02T01:00:00.000Z',
      attachment: { ...photo, url: '/files/1' },
    });
    clock.advance(3_600_000);
    const c = await desk.checkIn(
      t.id,
      {
        kind: 'photo',
        at: '2026-03-02T09:58:00+08:00',
        position: { lat: 31.2304, lng: 121.4737, accuracyM: 8 },
        attachment: photo,
        note: 'seal intact',
      },
      { actor: tech, request: { ip: '10.0.0.9', userAgent: 'FieldApp/3.1' } },
    );
    expect(c.evidence.kind).toBe('check_in');
    // The device time is stored in UTC.
    expect(c.evidence.kind === 'check_in' && c.evidence.checkIn.at).toBe(
      '2026-03-02T01:58:00.000Z',
    );
    const gps = await desk.checkIn(
      t.id,
      {
        kind: 'gps',
        at: '2026-03-02T02:00:00Z',
        position: { lat: -33.9, lng: 18.4, accuracyM: 25 },
      },
      { actor: tech },
    );

    const all = await desk.evidence(t.id, { actor: sup });
    expect(all).toEqual([a.evidence, c.evidence, gps.evidence]);
    // Positions of staff are internal: the requester sees the attachments only.
    expect(await desk.evidence(t.id, { actor: req })).toEqual([a.evidence]);
    // Audited like every change (with the request facts), and the trail still replays.
    const trail = await desk.history(t.id);
    expect(trail.map((e) => e.action)).toEqual(['create', 'attach', 'check_in', 'check_in']);
    expect(trail[2]).toMatchObject({
      ip: '10.0.0.9',
      userAgent: 'FieldApp/3.1',
      actor: { id: 'tech-7' },
    });
    expect(replayAudit(trail)).toEqual(await store.getTicket('default', t.id));
  });

  it('validates strictly and names each field', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: sup });
    const bad = await issuesOf(
      desk.attach(
        t.id,
        {
          name: '',
          type: 'JPEG',
          size: -1,
          checksum: 'abc',
          url: 'javascript:alert(1)',
          owner: 'x',
        } as never,
        { actor: sup },
      ),
    );
    expect(bad.sort()).toEqual([
      'checksum:invalid_format',
      'name:required',
      'owner:unknown_field',
      'size:too_small',
      'type:invalid_format',
      'url:custom',
    ]);
    expect(await issuesOf(desk.attach(t.id, { ...photo, size: 1.5 }, { actor: sup }))).toEqual([
      'size:invalid_type',
    ]);
    for (const url of [
      '//evil.example/x',
      'ftp://files/x',
      'data:text/html,hi',
      'https://u:p@h/x',
      '/a\\b',
    ]) {
      expect(await issuesOf(desk.attach(t.id, { ...photo, url }, { actor: sup }))).toEqual([
        'url:custom',
      ]);
    }
    const gps = (position: unknown) =>
      desk.checkIn(t.id, { kind: 'gps', at: '2026-03-02T01:00:00Z', position } as never, {
        actor: sup,
      });
    expect(await issuesOf(gps({ lat: 91, lng: 0, accuracyM: 1 }))).toEqual([
      'position.lat:too_big',
    ]);
    expect(await issuesOf(gps({ lat: 0, lng: -181, accuracyM: 1 }))).toEqual([
      'position.lng:too_small',
    ]);
    expect(await issuesOf(gps({ lat: 0, lng: 0, accuracyM: -1 }))).toEqual([
      'position.accuracyM:too_small',
    ]);
    expect(await issuesOf(gps(undefined))).toEqual(['position:custom']);
    const at = (when: string) =>
      desk.checkIn(t.id, { kind: 'note', at: when, note: 'n' }, { actor: sup });
    expect(await issuesOf(at('2026-03-02 01:00'))).toEqual(['at:invalid_format']);
    expect(await issuesOf(at('2026-03-02T01:00:00'))).toEqual(['at:invalid_format']); // no zone
    expect(await issuesOf(at('2026-02-30T01:00:00Z'))).toEqual(['at:custom']);
    expect(await issuesOf(at('2026-03-02T01:06:00Z'))).toEqual(['at:in_future']);
    expect((await at('2026-03-02T01:04:00Z')).evidence.kind).toBe('check_in'); // within skew
    // A voice note needs an audio file.
    expect(
      await issuesOf(
        desk.checkIn(
          t.id,
          { kind: 'voice', at: '2026-03-02T01:00:00Z', attachment: photo },
          { actor: sup },
        ),
      ),
    ).toEqual(['attachment.type:custom']);
    expect((await desk.get(t.id))?.version).toBe(2); // only the valid check-in was stored
  });

  it('checks permission and refuses closed tickets', async () => {
    const { desk } = setup();
    const other = await desk.create({ title: 'not mine', requester: 'r2' }, { actor: sup });
    await expect(desk.attach(other.id, photo, { actor: req })).rejects.toBeInstanceOf(
      PermissionError,
    );
    const own = await desk.create({ title: 'mine', requester: 'r1' }, { actor: sup });
    await expect(
      desk.checkIn(own.id, { kind: 'note', at: '2026-03-02T01:00:00Z', note: 'x' }, { actor: req }),
    ).rejects.toBeInstanceOf(PermissionError);
    await expect(desk.evidence(other.id, { actor: req })).rejects.toBeInstanceOf(PermissionError);
    for (const s of ['in_progress', 'resolved', 'archived'] as const)
      await desk.transition(own.id, s, { actor: sup });
    expect(await issuesOf(desk.attach(own.id, photo, { actor: sup }))).toEqual([
      'status:ticket_closed',
    ]);
  });

  it('is idempotent with a key, like every command', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: sup });
    const ctx = { actor: tech, idempotencyKey: 'upload-42' };
    const first = await desk.attach(t.id, photo, ctx);
    expect(await desk.attach(t.id, photo, ctx)).toEqual(first);
    expect(await desk.evidence(t.id)).toHaveLength(1);
  });

  it('property: a URL is accepted exactly when it is http(s) with a host or app-relative', () => {
    const arb = fc.oneof(
      fc.webUrl({ validSchemes: ['http', 'https'] }),
      fc.webUrl({ validSchemes: ['ftp', 'file', 'ws'] }),
      fc.webPath().map((p) => `/${p.replace(/^\/+/, '')}`),
      fc.webPath().map((p) => `//${p.replace(/^\/+/, '')}`),
      fc.string(),
    );
    fc.assert(
      fc.property(arb, fc.nat(), (url, size) => {
        const ok = AttachmentSchema.safeParse({ ...photo, url, size }).success;
        let expected: boolean;
        if (
          url.length === 0 ||
          url.length > 2048 ||
          [...url].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127 || ch === '\\')
        )
          expected = false;
        else if (url.startsWith('/')) expected = !url.startsWith('//');
        else {
          try {
            const u = new URL(url);
            expected =
              (u.protocol === 'http:' || u.protocol === 'https:') &&
              !!u.hostname &&
              !u.username &&
              !u.password;
          } catch {
            expected = false;
          }
        }
        expect(ok).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
