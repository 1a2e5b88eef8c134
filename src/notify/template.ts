// A tiny template renderer: `{{ path.to.value }}` placeholders, looked up through own
// properties only. No eval, no Function, no helpers, no partials: templates are app-authored
// text, values are untrusted data.

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_$]+(?:\.[A-Za-z0-9_$]+)*)\s*\}\}/g;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Escapes `& < > " '` for HTML text and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/**
 * Turns plain text into a safe HTML fragment: every character escaped, line breaks kept.
 *
 * @example
 * ```ts
 * textToHtml('a <b>\nc'); // '<p>a &lt;b&gt;<br>\nc</p>'
 * ```
 */
export function textToHtml(text: string): string {
  return text
    .split(/\r?\n\r?\n/)
    .map((para) => `<p>${escapeHtml(para).replace(/\r?\n/g, '<br>\n')}</p>`)
    .join('\n');
}

function lookup(context: unknown, path: string): unknown {
  let cur: unknown = context;
  for (const key of path.split('.')) {
    if (FORBIDDEN.has(key)) return undefined;
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(stringify).join(', ');
  // Objects render as nothing rather than "[object Object]".
  return '';
}

/**
 * Renders `{{ path }}` placeholders from `context`. Unknown paths render as an empty string.
 * With `escape: 'html'` every value is HTML-escaped (the template text itself is trusted).
 *
 * @example
 * ```ts
 * renderTemplate('<b>{{ticket.title}}</b>', { ticket: { title: '<script>' } }, { escape: 'html' });
 * // '<b>&lt;script&gt;</b>'
 * ```
 */
export function renderTemplate(
  template: string,
  context: unknown,
  options: { escape?: 'html' | 'none' } = {},
): string {
  const html = options.escape === 'html';
  return template.replace(PLACEHOLDER, (_m, path: string) => {
    const text = stringify(lookup(context, path));
    return html ? escapeHtml(text) : text;
  });
}
