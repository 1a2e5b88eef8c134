/**
 * Attachments as metadata and field check-ins as evidence (`desk.attach`, `desk.checkIn`,
 * `desk.evidence`).
 *
 * Evidence is recorded in the ticket's audit trail: each attachment or check-in is one audit
 * entry (`attach` or `check_in`) whose `meta` holds the validated record, written with a version
 * bump in the same atomic commit as any other change. The trail is append-only, so evidence can
 * never be edited or removed afterwards, every store keeps it without a schema change, and
 * reports that read `desk.history` see it. The files themselves stay in the app's own file store:
 * ticketkit keeps name, type, size, SHA-256 checksum and URL.
 *
 * @module desk
 */
import { z } from 'zod';
import type { AuditEntry } from '../audit/index';
import { ValidationError } from '../errors/index';
import { issuesFromZod, type Ticket } from '../ticket/index';

/** Limits of evidence input. */
export const EVIDENCE_LIMITS = {
  /** Max characters of an attachment's file name. */
  name: 255,
  /** Max characters of a URL. */
  url: 2048,
  /** Max characters of a check-in note. */
  note: 2000,
  /** How far a check-in's device time may lie in the desk clock's future (clock skew), in ms. */
  futureSkewMs: 5 * 60_000,
} as const;

/** True if `s` has a C0 control character or DEL. */
const hasControl = (s: string) =>
  [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** Only http(s) URLs with a host, or app-relative paths (`/files/…`, not `//host`). */
function urlProblem(url: string): string | undefined {
  if (hasControl(url) || url.includes('\\')) {
    return 'must not contain control characters or backslashes';
  }
  if (url.startsWith('/')) {
    return url.startsWith('//')
      ? 'a URL starting with "//" names another host; use https://host/... or an app-relative path such as /files/1'
      : undefined;
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'must be an absolute http(s) URL or an app-relative path starting with "/"';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    return `scheme "${u.protocol.replace(/:$/, '')}" is not allowed; use https, http or an app-relative path`;
  }
  if (!u.hostname) return 'must name a host';
  if (u.username || u.password) return 'must not carry a user name or password';
  return undefined;
}

/** An attachment's metadata, as `desk.attach` accepts it (the file stays in your file store). */
export const AttachmentSchema = z
  .object({
    name: z
      .string()
      .min(1, 'is required: the file name')
      .max(EVIDENCE_LIMITS.name, `must be at most ${EVIDENCE_LIMITS.name} characters`)
      .refine((s) => !hasControl(s), 'must not contain control characters'),
    type: z
      .string()
      .regex(MIME, 'must be a lowercase MIME type such as "image/jpeg" or "application/pdf"'),
    size: z
      .number()
      .int('must be a whole number of bytes')
      .min(0, 'must be >= 0 (bytes)')
      .max(Number.MAX_SAFE_INTEGER, 'is too large'),
    checksum: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be the file's SHA-256 as 64 lowercase hex digits"),
    url: z
      .string()
      .min(1, 'is required: where your file store serves the file')
      .max(EVIDENCE_LIMITS.url, `must be at most ${EVIDENCE_LIMITS.url} characters`)
      .superRefine((s, ctx) => {
        const p = urlProblem(s);
        if (p) ctx.addIssue({ code: 'custom', message: p });
      }),
  })
  .strict();
/** Attachment metadata: name, MIME type, size in bytes, SHA-256 (hex) and URL. */
export type Attachment = z.infer<typeof AttachmentSchema>;

/** A position reported by a device (WGS 84), with its accuracy radius in metres. */
export const PositionSchema = z
  .object({
    lat: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
    lng: z
      .number()
      .min(-180, 'must be between -180 and 180')
      .max(180, 'must be between -180 and 180'),
    accuracyM: z
      .number()
      .min(0, 'must be >= 0 (metres)')
      .max(1_000_000, 'must be at most 1,000,000 metres'),
  })
  .strict();
/** A device position. */
export type Position = z.infer<typeof PositionSchema>;

/** Kinds of field check-in. */
export const CHECK_IN_KINDS = [
  'photo',
  'voice',
  'video',
  'gps',
  'note',
  'arrival',
  'departure',
] as const;
/** A kind of field check-in. */
export type CheckInKind = (typeof CHECK_IN_KINDS)[number];

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** True if the calendar date, clock time and offset of an ISO string exist (no 30 February). */
function realDateTime(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  const day = new Date(Date.UTC(y!, mo! - 1, d!));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo! - 1 || day.getUTCDate() !== d) {
    return false;
  }
  const off = /([+-])(\d{2}):(\d{2})$/.exec(s);
  if (off && (Number(off[2]) > 18 || Number(off[3]) > 59)) return false;
  return h! <= 23 && mi! <= 59 && sec! <= 59 && !Number.isNaN(Date.parse(s));
}

/** A field check-in from a mobile device, as `desk.checkIn` accepts it. */
export const CheckInSchema = z
  .object({
    kind: z.enum(CHECK_IN_KINDS),
    /** When it happened on the device: ISO 8601 with `Z` or an offset. */
    at: z
      .string()
      .regex(
        ISO_WITH_ZONE,
        'must be an ISO 8601 time with a zone, e.g. "2026-03-02T09:15:00+08:00"',
      )
      .refine(
        (s) => !ISO_WITH_ZONE.test(s) || realDateTime(s),
        'is not a real date and time (check day, month, hour and offset)',
      ),
    position: PositionSchema.optional(),
    attachment: AttachmentSchema.optional(),
    note: z
      .string()
      .max(EVIDENCE_LIMITS.note, `must be at most ${EVIDENCE_LIMITS.note} characters`)
      .refine((s) => !s.includes('\u0000'), 'must not contain the NUL character')
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const media = { photo: 'image/', voice: 'audio/', video: 'video/' } as const;
    if (c.kind in media) {
      const prefix = media[c.kind as keyof typeof media];
      if (!c.attachment) {
        ctx.addIssue({
          code: 'custom',
          path: ['attachment'],
          message: `a ${c.kind} check-in needs its attachment (${prefix}* file metadata)`,
        });
      } else if (!c.attachment.type.startsWith(prefix)) {
        ctx.addIssue({
          code: 'custom',
          path: ['attachment', 'type'],
          message: `a ${c.kind} check-in needs a ${prefix}* file, got "${c.attachment.type}"`,
        });
      }
    }
    if ((c.kind === 'gps' || c.kind === 'arrival' || c.kind === 'departure') && !c.position) {
      ctx.addIssue({
        code: 'custom',
        path: ['position'],
        message: `a ${c.kind} check-in needs position: { lat, lng, accuracyM }`,
      });
    }
    if (c.kind === 'note' && !c.note?.trim()) {
      ctx.addIssue({ code: 'custom', path: ['note'], message: 'a note check-in needs its note' });
    }
  });
/** Input of `desk.checkIn`. */
export type CheckInInput = z.input<typeof CheckInSchema>;
/** A validated check-in (`at` normalised to UTC). */
export type CheckIn = z.infer<typeof CheckInSchema>;

/** One piece of evidence on a ticket, as `desk.evidence` lists it. */
export type Evidence =
  | {
      readonly kind: 'attachment';
      /** The audit entry's id (`ticketId:seq`): stable. */
      readonly id: string;
      readonly ticketId: string;
      /** Who recorded it. */
      readonly by: string;
      /** When the desk recorded it (the injected clock). */
      readonly recordedAt: string;
      readonly attachment: Attachment;
    }
  | {
      readonly kind: 'check_in';
      readonly id: string;
      readonly ticketId: string;
      readonly by: string;
      readonly recordedAt: string;
      readonly checkIn: CheckIn;
    };

/** What `desk.attach` and `desk.checkIn` return. */
export interface EvidenceResult<S extends string = string> {
  readonly evidence: Evidence;
  /** The ticket after the change (one version higher). */
  readonly ticket: Ticket<S>;
}

/** Validates attachment input, throwing a `ValidationError` naming every bad field. @internal */
export function parseAttachment(input: unknown): Attachment {
  const r = AttachmentSchema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  throw new ValidationError(issuesFromZod(r.error), { context: 'Invalid attachment' });
}

/** Validates check-in input against the desk's `now` (device time may not lie ahead). @internal */
export function parseCheckIn(input: unknown, now: Date): CheckIn {
  const r = CheckInSchema.safeParse(input, { reportInput: true });
  if (!r.success) {
    throw new ValidationError(issuesFromZod(r.error), { context: 'Invalid check-in' });
  }
  const at = Date.parse(r.data.at);
  if (at > now.getTime() + EVIDENCE_LIMITS.futureSkewMs) {
    throw new ValidationError(
      [
        {
          code: 'in_future',
          path: ['at'],
          message: `${r.data.at} is more than 5 minutes after the desk's time ${now.toISOString()}; check the device clock`,
        },
      ],
      { context: 'Invalid check-in' },
    );
  }
  return { ...r.data, at: new Date(at).toISOString() };
}

/** The evidence recorded by audit entries, oldest first. @internal */
export function evidenceOf(entries: readonly AuditEntry[]): Evidence[] {
  const out: Evidence[] = [];
  for (const e of entries) {
    if (e.action === 'attach' && e.meta?.attachment) {
      out.push({
        kind: 'attachment',
        id: e.id,
        ticketId: e.ticketId,
        by: e.actor.id,
        recordedAt: e.at,
        attachment: e.meta.attachment as Attachment,
      });
    } else if (e.action === 'check_in' && e.meta?.checkIn) {
      out.push({
        kind: 'check_in',
        id: e.id,
        ticketId: e.ticketId,
        by: e.actor.id,
        recordedAt: e.at,
        checkIn: e.meta.checkIn as CheckIn,
      });
    }
  }
  return out;
}
