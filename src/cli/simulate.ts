/**
 * `ticketkit simulate scenario.json [--html out.html] [--csv out.csv] [--seed n] [--policy p]`
 *
 * @module cli
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isTicketkitError } from '../errors/index';
import { renderHtmlReport, reportToCsv } from '../reports/index';
import { comparisonRow, formatComparison } from '../simulate/compare';
import { simulate } from '../simulate/engine';
import { parseScenario } from '../simulate/scenario';

const USAGE = `Usage: ticketkit simulate <scenario.json> [--html out.html] [--csv out.csv] [--seed n] [--policy round-robin|least-loaded|weighted]
`;

function bar(share: number, width = 30): string {
  const filled = Math.round(Math.min(1, share) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%`;
}

/** Runs a scenario file and prints the summary table; returns the exit code. */
export async function simulateCommand(
  args: string[],
  io: { out(t: string): void; err(t: string): void; isTty: boolean },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      html: { type: 'string' },
      csv: { type: 'string' },
      seed: { type: 'string' },
      policy: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) {
    io.err(`ticketkit simulate: name the scenario file.\n\n${USAGE}`);
    return 2;
  }
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed)) {
      io.err(`ticketkit simulate: --seed must be an integer, got "${values.seed}".\n`);
      return 2;
    }
  }
  const policy = values.policy;
  if (policy !== undefined && !['round-robin', 'least-loaded', 'weighted'].includes(policy)) {
    io.err(`ticketkit simulate: --policy must be round-robin, least-loaded or weighted.\n`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    io.err(`ticketkit simulate: cannot read "${file}".\n`);
    return 2;
  }
  try {
    const scenario = parseScenario(text);
    const result = await simulate(scenario, {
      ...(seed !== undefined ? { seed } : {}),
      ...(policy
        ? {
            dispatch:
              policy === 'weighted'
                ? { type: 'weighted', weights: { skill: 0.5, load: 0.3, distance: 0.2 } }
                : { type: policy as 'round-robin' },
          }
        : {}),
      groupBy: ['category'],
      onProgress: (p) => {
        if (io.isTty) io.err(`\r${bar(p.share)} ${p.created.toLocaleString('en-US')} tickets`);
      },
    });
    if (io.isTty) io.err(`\r${bar(1)} ${result.tickets.created.toLocaleString('en-US')} tickets\n`);
    io.out(
      `${formatComparison({ scenario: result.scenario, seed: result.seed, rows: [comparisonRow(result)], results: {} })}\n`,
    );
    io.out(
      `queue: mean wait ${result.queue.meanWaitMinutes.toFixed(1)} min, ${(result.queue.waitedShare * 100).toFixed(1)}% waited, max ${result.queue.maxQueue} queued\n`,
    );
    if (values.html) {
      await writeFile(
        values.html,
        renderHtmlReport(result.report, {
          title: `${result.scenario} (${result.policy}, seed ${result.seed})`,
        }),
      );
      io.out(`HTML report: ${values.html}\n`);
    }
    if (values.csv) {
      await writeFile(values.csv, reportToCsv(result.report, { bom: true }));
      io.out(`CSV report: ${values.csv}\n`);
    }
    return 0;
  } catch (e) {
    if (io.isTty) io.err('\n');
    if (isTicketkitError(e)) {
      io.err(`ticketkit simulate: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
