/**
 * Identifier handling for the SQL adapters. Schema names and table prefixes are the only
 * caller-supplied text that ever reaches SQL outside a parameter, so they are validated against
 * a strict pattern and always double-quoted.
 *
 * @internal
 */
import { StoreError } from 'ticketkit';

const IDENT = /^[a-z_][a-z0-9_]{0,40}$/;

/** Where the tables live: a validated schema and table prefix. */
export interface SqlNames {
  readonly schema: string;
  readonly prefix: string;
}

/** Checks `schema` and `tablePrefix`, applying the defaults (`public`, `tk_`). */
export function resolveNames(
  adapter: string,
  opts: { schema?: string | undefined; tablePrefix?: string | undefined },
): SqlNames {
  const schema = opts.schema ?? 'public';
  const prefix = opts.tablePrefix ?? 'tk_';
  const bad = (what: string, v: string) =>
    new StoreError({
      adapter,
      operation: 'open',
      message: `${what} ${JSON.stringify(v)} is not allowed: use lowercase letters, digits and underscores, starting with a letter or underscore, at most 41 characters (pattern ${IDENT})`,
    });
  if (typeof schema !== 'string' || !IDENT.test(schema)) throw bad('schema', String(schema));
  // An empty prefix is allowed (tables are then named `tickets`, `audit`, ...).
  if (typeof prefix !== 'string' || (prefix !== '' && !IDENT.test(prefix))) {
    throw bad('tablePrefix', String(prefix));
  }
  return { schema, prefix };
}

const quote = (id: string) => `"${id}"`;

/** `"schema"."prefix+name"`: a table or function, schema-qualified. */
export const qualified = (n: SqlNames, name: string) =>
  `${quote(n.schema)}.${quote(n.prefix + name)}`;

/** `"prefix+name"`: an index, trigger or policy name (these are not schema-qualified). */
export const local = (n: SqlNames, name: string) => quote(n.prefix + name);

/**
 * Renders a SQL template: `{schema}` becomes the quoted schema, `{t:name}` the qualified table
 * `"schema"."prefix+name"`, `{n:name}` the quoted local name `"prefix+name"`. Names in the
 * template are fixed by this package; only the validated schema and prefix vary.
 */
export function render(sql: string, n: SqlNames): string {
  return sql
    .replaceAll('{schema}', quote(n.schema))
    .replace(/\{t:([a-z_]+)\}/g, (_, name: string) => qualified(n, name))
    .replace(/\{n:([a-z_]+)\}/g, (_, name: string) => local(n, name));
}
