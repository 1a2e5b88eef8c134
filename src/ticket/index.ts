/**
 * The ticket: zod schemas, literal unions and inferred types.
 *
 * Tickets are immutable values: every command returns a new, frozen ticket. Timestamps are
 * ISO 8601 UTC strings with millisecond precision, so a ticket round-trips through JSON and
 * every store unchanged.
 *
 * @module ticket
 */
import { z } from 'zod';
import { closest } from '../_internal/index';
import { ValidationError, type ValidationIssue } from '../errors/index';
import type { SlaState } from '../sla/clocks';

/** Ticket priorities, most urgent first. */
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
/** A ticket priority. */
export type Priority = (typeof PRIORITIES)[number];

/** Risk levels. Only a supervisor or admin may resolve or archive a `high`-risk ticket by default. */
export const RISKS = ['low', 'medium', 'high'] as const;
/** A risk level. */
export type Risk = (typeof RISKS)[number];

/** Well-known intake channels; any other lowercase identifier is accepted too. */
export const CHANNELS = [
  'email',
  'phone',
  'wechat',
  'wecom',
  'dingtalk',
  'web',
  'api',
  'chat',
  'mobile',
  'import',
] as const;
/** An intake channel: one of {@link CHANNELS}, or your own lowercase identifier. */
export type Channel = (typeof CHANNELS)[number] | (string & {});

/** Limits applied to ticket input (rejected with `too_long` / `too_big`, never truncated). */
export const TICKET_LIMITS = {
  /** Max characters in `title`. */
  title: 500,
  /** Max characters in `description`. */
  description: 100_000,
  /** Max number of tags. */
  tags: 100,
  /** Max characters per tag, category, team, channel or reference. */
  shortText: 128,
  /** Max nesting depth of `custom` values. */
  customDepth: 16,
  /** Max size of `custom` as JSON, in characters. */
  customJson: 65_536,
} as const;

const noNul = (s: string) => !s.includes('\u0000');
const NUL_MESSAGE = 'must not contain the NUL character (U+0000); remove it';

const text = (max: number) =>
  z.string().max(max, `must be at most ${max} characters`).refine(noNul, NUL_MESSAGE);
const shortText = () => text(TICKET_LIMITS.shortText).min(1, 'must not be empty');

function jsonDepth(v: unknown, depth = 0): number {
  if (depth > TICKET_LIMITS.customDepth) return depth;
  if (v === null || typeof v !== 'object') return depth;
  let max = depth + 1;
  for (const x of Object.values(v as Record<string, unknown>)) {
    max = Math.max(max, jsonDepth(x, depth + 1));
    if (max > TICKET_LIMITS.customDepth) break;
  }
  return max;
}

function hasNul(v: unknown, depth = 0): boolean {
  if (depth > TICKET_LIMITS.customDepth) return false;
  if (typeof v === 'string') return v.includes('\u0000');
  if (v === null || typeof v !== 'object') return false;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k.includes('\u0000') || hasNul(x, depth + 1)) return true;
  }
  return false;
}

/** Custom fields: a JSON object, bounded in depth and size. The app may narrow it with its own zod schema. */
export const CustomFieldsSchema = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  if (jsonDepth(v) > TICKET_LIMITS.customDepth) {
    ctx.addIssue({
      code: 'custom',
      message: `must be nested at most ${TICKET_LIMITS.customDepth} levels deep`,
    });
    return;
  }
  let json: string;
  try {
    json = JSON.stringify(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON-serialisable (no cycles, no BigInt)' });
    return;
  }
  if (json.length > TICKET_LIMITS.customJson) {
    ctx.addIssue({
      code: 'custom',
      message: `must be at most ${TICKET_LIMITS.customJson} characters as JSON`,
    });
  }
  if (hasNul(v)) ctx.addIssue({ code: 'custom', message: NUL_MESSAGE });
});

/** A point on Earth in decimal degrees (WGS 84). */
export const LocationSchema = z
  .object({
    lat: z
      .number()
      .min(-90, 'lat must be between -90 and 90')
      .max(90, 'lat must be between -90 and 90'),
    lng: z
      .number()
      .min(-180, 'lng must be between -180 and 180')
      .max(180, 'lng must be between -180 and 180'),
  })
  .strict();
/** A point on Earth in decimal degrees. */
export type Location = z.infer<typeof LocationSchema>;

/** Limits of {@link ExternalLink}s. */
export const LINK_LIMITS = {
  /** Max links per ticket. */
  perTicket: 50,
  /** Max characters of `system` and `kind`. */
  name: 64,
} as const;

const linkName = (example: string) =>
  z
    .string()
    .max(LINK_LIMITS.name, `must be at most ${LINK_LIMITS.name} characters`)
    .regex(
      /^[a-z][a-z0-9_.-]*$/,
      `must be a lowercase identifier such as "${example}" (letters, digits, _ . -), so one system is never spelt two ways`,
    );

/**
 * One link between a ticket and a record in another system: the CRM customer `C-1001`, the
 * product serial `SN-778`, the order `SO-2026-0042`. `system` and `kind` are lowercase
 * identifiers; `externalId` is the other system's id, compared exactly (case-sensitive).
 */
export const ExternalLinkSchema = z
  .object({
    system: linkName('crm'),
    kind: linkName('customer'),
    externalId: shortText().refine(
      (s) => s.trim() === s,
      'must not start or end with spaces; trim it',
    ),
  })
  .strict();
/** A link from a ticket to a record in another system; see {@link ExternalLinkSchema}. */
export type ExternalLink = z.infer<typeof ExternalLinkSchema>;

/** The key of a link, equal for equal links (for maps and duplicate checks). @internal */
export const linkKey = (l: ExternalLink): string =>
  `${l.system}\u0000${l.kind}\u0000${l.externalId}`;

const links = z
  .array(ExternalLinkSchema)
  .max(LINK_LIMITS.perTicket, `must have at most ${LINK_LIMITS.perTicket} links`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((l, i) => {
      const k = linkKey(l);
      if (seen.has(k)) {
        ctx.addIssue({ code: 'custom', path: [i], message: 'is listed twice; remove the copy' });
      }
      seen.add(k);
    });
  });

const refFields = {
  customerId: shortText().optional(),
  serialNumber: shortText().optional(),
  orderNumber: shortText().optional(),
  externalId: shortText().optional(),
};

/**
 * References to records in other systems. `customerId`, `serialNumber`, `orderNumber` and
 * `externalId` are single attributes (imports and intake set them); `links` is the indexed
 * id-mapping, changed with `desk.links.add` / `remove` and looked up with `desk.links.find`.
 */
export const ExternalRefsSchema = z.object({ ...refFields, links: links.optional() }).strict();
/** References to records in other systems. */
export type ExternalRefs = z.infer<typeof ExternalRefsSchema>;

/** `externalRefs` as `desk.update` accepts it: links change only through `desk.links`. */
const ExternalRefsPatchSchema = z.object(refFields).strict();

const tags = z
  .array(shortText())
  .max(TICKET_LIMITS.tags, `must have at most ${TICKET_LIMITS.tags} tags`);
const channel = shortText().regex(
  /^[a-z][a-z0-9_-]*$/,
  'must be a lowercase identifier such as "email"',
);

/**
 * Fields an app may set when creating a ticket. Unknown keys are rejected (no mass assignment:
 * `status`, `version`, `tenantId` and `assignee` are set by commands, not by input).
 */
export const TicketDraftSchema = z
  .object({
    title: text(TICKET_LIMITS.title).min(1, 'is required; give the ticket a short title'),
    description: text(TICKET_LIMITS.description).optional(),
    priority: z.enum(PRIORITIES).default('normal'),
    risk: z.enum(RISKS).optional(),
    category: shortText().optional(),
    tags: tags.optional(),
    channel: channel.optional(),
    requester: shortText().optional(),
    team: shortText().optional(),
    parentId: shortText().optional(),
    externalRefs: ExternalRefsSchema.optional(),
    location: LocationSchema.optional(),
    custom: CustomFieldsSchema.optional(),
  })
  .strict();
/** Input accepted by `desk.create`. */
export type TicketDraft = z.input<typeof TicketDraftSchema>;

/**
 * Fields `desk.update` may change. Status, assignee, version and ownership have their own
 * commands (`transition`, `assign`) or are never writable. `null` clears an optional field.
 */
export const TicketPatchSchema = z
  .object({
    title: text(TICKET_LIMITS.title).min(1, 'must not be empty').optional(),
    description: text(TICKET_LIMITS.description).nullable().optional(),
    priority: z.enum(PRIORITIES).optional(),
    risk: z.enum(RISKS).nullable().optional(),
    category: shortText().nullable().optional(),
    tags: tags.optional(),
    channel: channel.optional(),
    team: shortText().nullable().optional(),
    externalRefs: ExternalRefsPatchSchema.nullable().optional(),
    location: LocationSchema.nullable().optional(),
    custom: CustomFieldsSchema.optional(),
  })
  .strict();
/** Input accepted by `desk.update`. */
export type TicketPatch = z.input<typeof TicketPatchSchema>;

/** The fields `desk.update` may change. */
export const PATCHABLE_FIELDS = Object.keys(TicketPatchSchema.shape) as (keyof TicketPatch)[];

/** A stored ticket. */
export const TicketSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  priority: z.enum(PRIORITIES),
  risk: z.enum(RISKS).nullable(),
  category: z.string().nullable(),
  tags: z.array(z.string()),
  channel: z.string().nullable(),
  requester: z.string(),
  assignee: z.string().nullable(),
  team: z.string().nullable(),
  status: z.string(),
  parentId: z.string().nullable(),
  externalRefs: ExternalRefsSchema,
  location: LocationSchema.nullable(),
  custom: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().positive(),
  reopenCount: z.number().int().nonnegative(),
  sla: z.any().nullable(),
  /**
   * Set by `desk.merge` on a duplicate: the id of the ticket it was merged into (the duplicate
   * is in a closed state from then on). Absent on tickets that were never merged. Never
   * settable through create or update input (their schemas are strict).
   */
  mergedInto: z.string().optional(),
});

/**
 * A stored ticket, as every command returns it (frozen).
 *
 * @typeParam S - the workflow's state names (`'pending' | 'in_progress' | ...` by default).
 */
export type Ticket<S extends string = string> = Readonly<
  Omit<z.infer<typeof TicketSchema>, 'status' | 'tags' | 'custom' | 'externalRefs' | 'sla'> & {
    status: S;
    /** SLA clocks, when an SLA policy applies (see `defineSlaPolicy`); otherwise null. */
    sla: SlaState | null;
    tags: readonly string[];
    custom: Readonly<Record<string, unknown>>;
    externalRefs: Readonly<ExternalRefs>;
  }
>;

/** Ticket fields whose before/after values the audit trail records. */
export type TicketField = Exclude<keyof Ticket, 'id' | 'tenantId' | 'version' | 'updatedAt'>;

/**
 * Turns zod issues into ticketkit {@link ValidationIssue}s (`required`, `invalid_enum` with a
 * suggestion, `too_long`, `unknown_field`, ...).
 *
 * @internal
 */
export function issuesFromZod(error: z.ZodError, prefix: ReadonlyArray<string | number> = []) {
  const out: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const field = path.length ? String(path[path.length - 1]) : 'input';
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'invalid_type':
        if (input === undefined) {
          out.push({ code: 'required', path, message: `${field} is required` });
        } else {
          out.push({
            code: 'invalid_type',
            path,
            message: `${field} must be a ${issue.expected}, got ${input === null ? 'null' : typeof input}`,
          });
        }
        break;
      case 'invalid_value': {
        const values = (issue.values as unknown[]).map(String);
        const suggestion = typeof input === 'string' ? closest(input, values) : undefined;
        out.push({
          code: 'invalid_enum',
          path,
          message: `Unknown ${field} ${JSON.stringify(input)}.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Allowed: ${values.map((v) => `"${v}"`).join(', ')}`,
          ...(suggestion ? { suggestion } : {}),
        });
        break;
      }
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({
            code: 'unknown_field',
            path: [...path, key],
            message: `"${key}" is not a field you can set here; remove it`,
          });
        }
        break;
      case 'too_big':
        out.push({
          code: issue.origin === 'string' ? 'too_long' : 'too_big',
          path,
          message: `${field} ${issue.message}`,
        });
        break;
      case 'too_small':
        out.push({
          code: input === '' ? 'required' : 'too_small',
          path,
          message: `${field} ${issue.message}`,
        });
        break;
      default:
        out.push({ code: issue.code, path, message: `${field} ${issue.message}` });
    }
  }
  return out;
}

/**
 * Parses input with a zod schema, throwing a {@link ValidationError} that lists every issue.
 *
 * @internal
 */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  input: unknown,
  context: string,
): z.output<T> {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  throw new ValidationError(issuesFromZod(r.error), { context });
}

/**
 * The next version of a ticket with a new status, assignee and reopen count, built as one
 * object literal (no spread): this runs on every transition.
 *
 * @internal
 */
export function nextTicketVersion<S extends string>(
  t: Ticket<S>,
  at: string,
  status: S,
  assignee: string | null,
  reopenCount: number,
): Ticket<S> {
  const next = {
    id: t.id,
    tenantId: t.tenantId,
    title: t.title,
    description: t.description,
    priority: t.priority,
    risk: t.risk,
    category: t.category,
    tags: t.tags,
    channel: t.channel,
    requester: t.requester,
    assignee,
    team: t.team,
    status,
    parentId: t.parentId,
    externalRefs: t.externalRefs,
    location: t.location,
    custom: t.custom,
    createdAt: t.createdAt,
    updatedAt: at,
    version: t.version + 1,
    reopenCount,
    sla: t.sla,
  } as { -readonly [K in keyof Ticket<S>]: Ticket<S>[K] };
  // Rare (only merged tickets have it): added after the literal so the common shape stays one.
  if (t.mergedInto !== undefined) next.mergedInto = t.mergedInto;
  return Object.freeze(next);
}
