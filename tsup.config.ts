import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

// The exports map in package.json is the single list of entry points: every subpath
// "./x" maps to a source file, and the build fails if the two disagree.
const pkg = JSON.parse(readFileSync('./package.json', 'utf8')) as {
  exports: Record<string, unknown>;
};
const entry: Record<string, string> = {};
for (const subpath of Object.keys(pkg.exports)) {
  if (subpath === './package.json') continue;
  if (subpath === '.') entry.index = 'src/index.ts';
  else if (subpath.startsWith('./adapters/')) {
    const name = subpath.slice('./adapters/'.length);
    entry[`adapters/${name}/index`] = `adapters/${name}/index.ts`;
  } else throw new Error(`tsup.config.ts: no source mapping for export ${subpath}`);
}

const external = ['ticketkit', 'pg', '@electric-sql/pglite', 'nodemailer', 'exceljs'];

export default defineConfig([
  {
    entry,
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    target: 'node20',
    splitting: false,
    // Adapters import the core through its public door; keep it external so the core exists once.
    external,
  },
  {
    // The CLI (package.json "bin"): one ESM file with the core bundled in.
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    splitting: false,
    external,
  },
]);
