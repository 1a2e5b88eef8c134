import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { createManualClock, type ManualClock, type Ticket } from 'ticketkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BoardView,
  type SlaBoardServer,
  startSlaBoard,
} from '../../examples/sla-board/server';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SKIP = `${CHROMIUM} not found: the browser test is skipped (apt-get install -y chromium; .ci/run does)`;
if (!hasChromium) console.warn(`sla-board: ${SKIP}`);
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const agent = { id: 'li.wei', roles: ['agent'] };
/** The one DOM call the test makes (the project's tsconfig has no DOM lib). */
type Dom = { getComputedStyle(e: unknown): { backgroundColor: string } };

/** Four tickets at Monday 09:00 Shanghai: due 09:10, 09:30, 11:00, and one paused. */
async function seed(board: SlaBoardServer) {
  const { desk } = board;
  const ctx = { actor: agent };
  const urgent = await desk.create(
    { title: 'Core switch down', priority: 'urgent', team: 'network' },
    ctx,
  );
  const high = await desk.create({ title: 'Mail disk 92%', priority: 'high', team: 'server' }, ctx);
  const normal = await desk.create(
    { title: '<img src=x onerror=alert(1)> export wrong', priority: 'normal', team: 'application' },
    ctx,
  );
  let paused: Ticket = await desk.create(
    { title: 'Laptop', priority: 'low', team: 'desktop' },
    ctx,
  );
  paused = await desk.assign(paused.id, agent.id, ctx);
  paused = await desk.transition(paused.id, 'in_progress', ctx);
  paused = await desk.transition(paused.id, 'awaiting_feedback', ctx);
  return { urgent, high, normal, paused };
}

describe('sla-board server (HTTP, no browser)', () => {
  let board: SlaBoardServer;
  let t: Awaited<ReturnType<typeof seed>>;
  beforeAll(async () => {
    board = await startSlaBoard({ clock: createManualClock('2026-03-02T09:00:00+08:00') });
    t = await seed(board);
  });
  afterAll(() => board.close());

  it('serves the board ordered by what breaches first, with counts and filters', async () => {
    const all = (await (await fetch(`${board.url}/board`)).json()) as BoardView;
    expect(all.rows.map((r) => r.id)).toEqual([t.urgent.id, t.high.id, t.normal.id, t.paused.id]);
    expect(all.rows[0]).toMatchObject({ nextDueAt: '2026-03-02T01:10:00.000Z', state: 'ok' });
    expect(all.rows[0]?.metric).toBe('assignment');
    expect(all.counts).toEqual({ open: 4, atRisk: 0, breached: 0, paused: 1 });
    expect(all.teams).toEqual(['application', 'desktop', 'network', 'server']);
    const net = (await (await fetch(`${board.url}/board?team=network`)).json()) as BoardView;
    expect(net.rows.map((r) => r.id)).toEqual([t.urgent.id]);
    const low = (await (await fetch(`${board.url}/board?priority=low`)).json()) as BoardView;
    expect(low.counts).toEqual({ open: 1, atRisk: 0, breached: 0, paused: 1 });
  });

  it('rejects a bad priority filter with a message naming the field, and serves a CSP', async () => {
    const res = await fetch(`${board.url}/board?priority=hgih`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('priority must be one of urgent, high, normal, low');
    const page = await fetch(board.url);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
  });
});

describe.skipIf(!hasChromium)(
  hasChromium ? 'sla-board in Chromium' : `sla-board in Chromium — SKIPPED: ${SKIP}`,
  () => {
    let board: SlaBoardServer;
    let clock: ManualClock;
    let context: BrowserContext;
    let page: Page;
    let userDataDir: string;
    let t: Awaited<ReturnType<typeof seed>>;
    const row = (id: string) => page.locator(`tr[data-id="${id}"]`);
    /** Moves the manual clock and waits until the desk has fired what fell due. */
    const advance = async (minutes: number) => {
      clock.advance({ minutes });
      await board.desk.sla.idle();
    };

    beforeAll(async () => {
      clock = createManualClock('2026-03-02T09:00:00+08:00');
      board = await startSlaBoard({ clock });
      t = await seed(board);
      userDataDir = mkdtempSync(join(tmpdir(), 'sla-board-chromium-'));
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1100, height: 520 },
      });
      page = context.pages()[0] ?? (await context.newPage());
      await page.goto(board.url);
      await row(t.paused.id).waitFor();
    });
    afterAll(async () => {
      await context?.close();
      await board?.close();
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    it('shows open tickets ordered by due time, with counts and a countdown', async () => {
      const trs = await page.locator('#rows tr').all();
      const ids = await Promise.all(trs.map((tr) => tr.getAttribute('data-id')));
      expect(ids).toEqual([t.urgent.id, t.high.id, t.normal.id, t.paused.id]);
      expect(await page.locator('#count-open').textContent()).toBe('4');
      expect(await page.locator('#count-paused').textContent()).toBe('1');
      expect(await row(t.urgent.id).locator('td.due').textContent()).toMatch(
        /^(10m 00s|9m \d\ds)$/,
      );
      expect(await row(t.paused.id).locator('td.due').textContent()).toBe('paused');
      // The title is shown as text, never parsed as HTML.
      expect(await row(t.normal.id).locator('td').nth(4).textContent()).toContain('<img src=x');
      expect(await page.locator('#rows img').count()).toBe(0);
    });

    it('turns a ticket amber at 75% and red when the manual clock passes its due time', async () => {
      await advance(8); // 09:08: the urgent ticket's assignment clock is at 80%
      await page.locator(`tr[data-id="${t.urgent.id}"][data-state="at_risk"]`).waitFor();
      expect(await page.locator('#count-atRisk').textContent()).toBe('1');

      await advance(3); // 09:11: one minute past its 09:10 assignment target
      await page.locator(`tr[data-id="${t.urgent.id}"][data-state="breached"]`).waitFor();
      const cell = row(t.urgent.id).locator('td').first();
      const bg = await cell.evaluate(
        (td) => (globalThis as unknown as Dom).getComputedStyle(td).backgroundColor,
      );
      expect(bg).toBe('rgb(254, 226, 226)'); // red
      expect(await cell.textContent()).toMatch(/^overdue 1m/);
      expect(await page.locator('#count-breached').textContent()).toBe('1');
      expect(await row(t.high.id).getAttribute('data-state')).toBe('ok');

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'sla-board.png'), fullPage: true });
    });

    it('pushes new tickets and filters by team and priority', async () => {
      const added = await board.desk.create(
        { title: 'Wi-Fi down on ward 5', priority: 'urgent', team: 'network' },
        { actor: agent },
      );
      await row(added.id).waitFor(); // arrived over server-sent events, no reload
      expect(await page.locator('#count-open').textContent()).toBe('5');

      await page.selectOption('#team', 'network');
      // (expect.poll, not waitForFunction: the page's CSP forbids evaluating strings)
      await expect.poll(() => page.locator('#rows tr').count()).toBe(2);
      expect(await page.locator('#count-open').textContent()).toBe('2');

      await page.selectOption('#priority', 'high');
      await page.locator('#empty').waitFor();
      await page.selectOption('#team', '');
      await row(t.high.id).waitFor();
      expect(await page.locator('#rows tr').count()).toBe(1);
    });
  },
);
