/**
 * Intake: turns an inbound message (email, phone call, WeChat / WeCom / DingTalk chat, web form,
 * API request) into a ticket draft or a reply comment, with a stable dedup key.
 *
 * Everything here is pure: no I/O, no clock, no randomness. The desk's `intake` command calls
 * {@link normalizeIntake} and then creates the ticket or adds the comment, using
 * {@link IntakeResult.dedupKey} as the idempotency key.
 *
 * The desk stores **plain text**, never HTML: HTML email bodies go through {@link htmlToText}.
 * Rendering (escaping, linkifying) is the app's job.
 *
 * @module intake
 */
import type { z } from 'zod';
import { closest } from '../_internal/index';
import { ValidationError } from '../errors/index';
import { issuesFromZod, TICKET_LIMITS, type TicketDraft, TicketDraftSchema } from '../ticket/index';
import { convertHtml } from './_html';
import {
  type ApiMessageSchema,
  CHAT_MESSAGE_TYPES,
  type ChatMessageType,
  type DingtalkMessageSchema,
  type EmailMessageSchema,
  INTAKE_LIMITS,
  IntakeMessageSchema,
  type PhoneMessageSchema,
  SCHEMA_BY_CHANNEL,
  type WebMessageSchema,
  type WechatMessageSchema,
  type WecomMessageSchema,
} from './_schemas';
import {
  collapse,
  DEFAULT_TICKET_NUMBER_PATTERN,
  extractNumbers,
  shortTitle,
  stripReplyPrefixes as stripPrefixes,
  stripQuoted,
} from './_text';

export {
  CHAT_MESSAGE_TYPES,
  type ChatMessageType,
  DEFAULT_TICKET_NUMBER_PATTERN,
  INTAKE_LIMITS,
  IntakeMessageSchema,
};

/** Channels {@link normalizeIntake} understands. */
export const INTAKE_CHANNELS = [
  'email',
  'phone',
  'wechat',
  'wecom',
  'dingtalk',
  'web',
  'api',
] as const;
/** A channel {@link normalizeIntake} understands. */
export type IntakeChannel = (typeof INTAKE_CHANNELS)[number];

/** An inbound email. `messageId` is the Message-ID header, with or without angle brackets. */
export type EmailMessage = z.input<typeof EmailMessageSchema>;
/** A phone call: `summary` becomes the title, `summary` + `transcript` the description. */
export type PhoneMessage = z.input<typeof PhoneMessageSchema>;
/** A WeChat Official Account message. `createTime` is Unix seconds (or milliseconds). */
export type WechatMessage = z.input<typeof WechatMessageSchema>;
/** A WeCom (企业微信) message. */
export type WecomMessage = z.input<typeof WecomMessageSchema>;
/** A DingTalk (钉钉) message. */
export type DingtalkMessage = z.input<typeof DingtalkMessageSchema>;
/** A web form submission. `description` is plain text. */
export type WebMessage = z.input<typeof WebMessageSchema>;
/** A ticket draft posted to your API; `requestId` is the client's idempotency id. */
export type ApiMessage = z.input<typeof ApiMessageSchema>;
/** Any inbound message, discriminated by `channel`. */
export type IntakeMessage =
  | EmailMessage
  | PhoneMessage
  | WechatMessage
  | WecomMessage
  | DingtalkMessage
  | WebMessage
  | ApiMessage;

/**
 * Attachment metadata (the bytes stay with the app). Always `disposition: 'attachment'`:
 * an app must never render an inbound attachment inline (SVG and HTML files can carry scripts).
 */
export interface IntakeAttachment {
  /** File name as sent (for chat media: `<msgType>-<msgId>`). */
  readonly filename: string;
  /** MIME type as sent (for chat media: a generic `image/*`, `audio/*`, ...). */
  readonly contentType: string;
  /** Size in bytes, when known. */
  readonly size?: number;
  /** Checksum as the mail parser reported it. */
  readonly checksum?: string;
  /** Where the app stored the content (http or https only). */
  readonly url?: string;
  /** Channel media reference (WeChat MediaId / PicUrl, DingTalk downloadCode). */
  readonly ref?: string;
  /** Always `'attachment'`: serve with `Content-Disposition: attachment`. */
  readonly disposition: 'attachment';
}

/** Who sent the message. */
export interface IntakeFrom {
  /** The channel it came in on. */
  readonly channel: IntakeChannel;
  /** Sender id on that channel (lowercased email address, caller number, openId / userId); absent for anonymous forms. */
  readonly id?: string;
  /** Display name, when the channel gives one. */
  readonly name?: string;
  /** Email address, when known. */
  readonly address?: string;
}

/** Fields both result kinds share. */
interface IntakeResultBase {
  /**
   * Stable per message: `email:<message-id>`, `phone:<callId>`, `wechat:<msgId>`,
   * `wecom:<msgId>`, `dingtalk:<msgId>`, `web:<submissionId>`, `api:<requestId>`. Use it as the
   * idempotency key so a message delivered five times creates one ticket or one comment.
   */
  readonly dedupKey: string;
  /** Who sent it. */
  readonly from: IntakeFrom;
  /** Every attachment, in order (also in `draft.custom.intake.attachments` while they fit). */
  readonly attachments: readonly IntakeAttachment[];
  /** True when a body was cut to the ticket or comment limit. */
  readonly truncated: boolean;
}

/** The message opens a new ticket. */
export interface IntakeNewTicket extends IntakeResultBase {
  readonly kind: 'new';
  /** A draft that passes `desk.create` as is. */
  readonly draft: TicketDraft;
}

/** How a reply was matched to its ticket. */
export type IntakeMatch = 'in-reply-to' | 'references' | 'subject';

/** The message answers an existing ticket. */
export interface IntakeReply extends IntakeResultBase {
  readonly kind: 'reply';
  /** What identifies the ticket: the value `lookupMessageId` returned, or the number found in the subject. */
  readonly ticketRef: string;
  /** Which rule matched. */
  readonly matchedBy: IntakeMatch;
  /** The comment to add: the reply without quoted history. */
  readonly comment: { readonly body: string; readonly visibility: 'public' };
  /** The draft to create instead if `ticketRef` names no ticket (the full message, quotes kept). */
  readonly draft: TicketDraft;
}

/** What {@link normalizeIntake} returns. */
export type IntakeResult = IntakeNewTicket | IntakeReply;

/** Options of {@link normalizeIntake}. */
export interface NormalizeIntakeOptions {
  /**
   * Finds ticket numbers in an email subject. Group 1 is the number (else the whole match).
   * Must be linear: no nested quantifiers, bounded repetition.
   * @default DEFAULT_TICKET_NUMBER_PATTERN (`[#TK-123]`, `(TK-123)`, `工单号: TK-123`, ...)
   */
  ticketNumberPattern?: RegExp;
  /**
   * Maps a normalised Message-ID (see {@link normalizeMessageId}) to the ticket it belongs to,
   * e.g. from the Message-IDs of the notifications you sent. Called for `inReplyTo`, then
   * `references` from newest to oldest; the first hit wins.
   */
  lookupMessageId?: (messageId: string) => string | undefined;
}

/** Options of {@link htmlToText}. */
export interface HtmlToTextOptions {
  /**
   * Max characters of output; longer output is cut.
   * @default TICKET_LIMITS.description (100,000)
   */
  maxLength?: number;
}

/**
 * Converts HTML to plain text in linear time, for storing an HTML email as a ticket description.
 *
 * Drops `<script>`, `<style>`, `<head>`, `<svg>`, comments and every tag with its attributes;
 * keeps line breaks for block elements (`<p>`, `<br>`, `<div>`, `<li>`, `<tr>`, ...); lists
 * become `- ` items, indented when nested; decodes common named and all numeric entities;
 * collapses whitespace (except in `<pre>`); caps the output at `maxLength`.
 *
 * The output never contains `<` directly followed by a letter, `/`, `!` or `?` (a space is
 * inserted after a decoded `&lt;`), so it holds no tag, comment or end tag even if an app
 * forgets to escape it. Still escape it when rendering.
 *
 * @example
 * ```ts
 * htmlToText('<p>Printer &amp; scanner</p><script>x()</script><ul><li>A</li></ul>');
 * // 'Printer & scanner\n\n- A'
 * ```
 */
export function htmlToText(html: string, options: HtmlToTextOptions = {}): string {
  return convertHtml(html, options.maxLength ?? TICKET_LIMITS.description).text;
}

/**
 * Removes quoted history from a reply body: lines starting with `>`, "On … wrote:" /
 * "在 … 写道：" attribution lines, and everything after "-----Original Message-----",
 * "-----原始邮件-----" or an Outlook "____ / From:" header. Linear time.
 *
 * @example
 * ```ts
 * stripQuotedReply('Fixed, thanks!\n\nOn Mon, Jan 5, 2026 Ann wrote:\n> Printer broken');
 * // 'Fixed, thanks!'
 * ```
 */
export function stripQuotedReply(text: string): string {
  return stripQuoted(text);
}

/**
 * Removes leading reply and forward prefixes (`Re:`, `RE[2]:`, `Fwd:`, `FW:`, `AW:`, `回复：`,
 * `答复:`, `转发:`), repeated or mixed, and collapses whitespace.
 *
 * @example
 * ```ts
 * stripReplyPrefixes('Re: 回复：Fwd: Printer broken'); // 'Printer broken'
 * ```
 */
export function stripReplyPrefixes(subject: string): string {
  return stripPrefixes(subject);
}

/**
 * Every ticket number in `text`, in order of appearance, without duplicates. With the default
 * pattern the numbers are upper-cased (`tk-7` → `TK-7`); with your own pattern, group 1 (or the
 * whole match) is returned as is.
 *
 * @example
 * ```ts
 * extractTicketNumbers('Re: 打印机坏了 [#TK-123] 工单号：TK-124'); // ['TK-123', 'TK-124']
 * extractTicketNumbers('Case ACME-9 again', /\b(ACME-\d{1,9})\b/); // ['ACME-9']
 * ```
 */
export function extractTicketNumbers(
  text: string,
  pattern: RegExp = DEFAULT_TICKET_NUMBER_PATTERN,
): string[] {
  return extractNumbers(text, pattern, pattern === DEFAULT_TICKET_NUMBER_PATTERN);
}

/**
 * Normalises a Message-ID for comparison and dedup: trims, strips the angle brackets, lowercases.
 *
 * @example
 * ```ts
 * normalizeMessageId(' <ABC.123@Mail.Example.com> '); // 'abc.123@mail.example.com'
 * ```
 */
export function normalizeMessageId(messageId: string): string {
  let s = messageId.trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  return s.toLowerCase();
}

/** Every Message-ID in an In-Reply-To / References header value, normalised, in order. */
function messageIdsIn(header: string): string[] {
  const ids: string[] = [];
  let i = header.indexOf('<');
  if (i < 0) {
    for (const part of header.split(/[\s,]+/)) if (part) ids.push(normalizeMessageId(part));
    return ids;
  }
  while (i >= 0) {
    const close = header.indexOf('>', i + 1);
    if (close < 0) break;
    const id = normalizeMessageId(header.slice(i + 1, close));
    if (id) ids.push(id);
    i = header.indexOf('<', close + 1);
  }
  return ids;
}

/**
 * Validates an inbound message, throwing a {@link ValidationError} that names every bad field
 * (`['from', 'address']`, `['attachments', 0, 'size']`, `['draft', 'priority']`, ...) and the fix.
 *
 * @example
 * ```ts
 * const message = parseIntakeMessage(await request.json());
 * ```
 */
export function parseIntakeMessage(input: unknown): IntakeMessage {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(
      [
        {
          code: 'invalid_type',
          path: [],
          message: 'message must be an object with a "channel" field',
        },
      ],
      { context: 'Invalid intake message' },
    );
  }
  const channel = (input as { channel?: unknown }).channel;
  if (typeof channel !== 'string' || !Object.hasOwn(SCHEMA_BY_CHANNEL, channel)) {
    const suggestion = typeof channel === 'string' ? closest(channel, INTAKE_CHANNELS) : undefined;
    throw new ValidationError(
      [
        {
          code: channel === undefined ? 'required' : 'invalid_enum',
          path: ['channel'],
          message: `${channel === undefined ? 'channel is required.' : `Unknown channel ${JSON.stringify(channel)}.`}${suggestion ? ` Did you mean "${suggestion}"?` : ''} Allowed: ${INTAKE_CHANNELS.map((c) => `"${c}"`).join(', ')}`,
          ...(suggestion ? { suggestion } : {}),
        },
      ],
      { context: 'Invalid intake message' },
    );
  }
  const schema = SCHEMA_BY_CHANNEL[channel as IntakeChannel];
  const r = schema.safeParse(input, { reportInput: true });
  if (!r.success) {
    throw new ValidationError(issuesFromZod(r.error), {
      context: `Invalid ${channel} intake message`,
    });
  }
  return r.data as IntakeMessage;
}

/**
 * Turns an inbound message into a new-ticket draft or a reply comment.
 *
 * - **dedupKey**: stable per message (`email:<normalised Message-ID>`, `wechat:<msgId>`, ...);
 *   pass it as the idempotency key.
 * - **Email threading**: a reply when `inReplyTo` or `references` holds a Message-ID that
 *   `lookupMessageId` maps to a ticket, or the subject carries a ticket number
 *   (`ticketNumberPattern`). Reply prefixes are stripped from titles; quoted history from
 *   reply comments.
 * - **Bodies** are plain text: HTML goes through {@link htmlToText}; bodies longer than the
 *   ticket description (or comment) limit are cut and `truncated` is set. An oversized subject
 *   or title is a {@link ValidationError}.
 * - **Chat**: the title is the first line (≤ 80 characters, cut at a character boundary);
 *   media messages (image, voice, video, file) become attachment metadata with a placeholder title.
 *
 * Throws {@link ValidationError} for an invalid message (see {@link parseIntakeMessage}).
 *
 * @example
 * ```ts
 * const r = normalizeIntake(
 *   { channel: 'email', messageId: '<a1@mail.example.com>', from: { address: 'ann@example.com' },
 *     subject: 'Re: Printer broken [#TK-42]', text: 'Still broken.\n\n> earlier text' },
 * );
 * // r.kind === 'reply', r.ticketRef === 'TK-42', r.comment.body === 'Still broken.'
 * // r.dedupKey === 'email:a1@mail.example.com'
 * ```
 */
export function normalizeIntake(
  message: IntakeMessage,
  options: NormalizeIntakeOptions = {},
): IntakeResult {
  const m = parseIntakeMessage(message);
  switch (m.channel) {
    case 'email':
      return fromEmail(m as z.output<typeof EmailMessageSchema>, options);
    case 'phone':
      return fromPhone(m as z.output<typeof PhoneMessageSchema>);
    case 'wechat':
    case 'wecom':
    case 'dingtalk':
      return fromChat(m as ChatOutput);
    case 'web':
      return fromWeb(m as z.output<typeof WebMessageSchema>);
    case 'api':
      return fromApi(m as z.output<typeof ApiMessageSchema>);
  }
}

// ---------------------------------------------------------------------------------------------

type ChatOutput =
  | z.output<typeof WechatMessageSchema>
  | z.output<typeof WecomMessageSchema>
  | z.output<typeof DingtalkMessageSchema>;

/** Cuts `text` to `max` characters without splitting a surrogate pair. */
function cap(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return { text: `${text.slice(0, end)}…`, truncated: true };
}

/** Plain text as stored: NUL replaced, trailing whitespace trimmed, capped. */
function plain(text: string, max: number): { text: string; truncated: boolean } {
  const clean = text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
  return cap(clean.trim(), max);
}

// Room left in `custom` (65,536 characters as JSON) for intake metadata.
const META_BUDGET = TICKET_LIMITS.customJson - 1024;

/** Fits intake metadata into the custom-field budget by dropping what does not fit. */
function fitMeta(meta: Record<string, unknown>, budget = META_BUDGET): Record<string, unknown> {
  if (JSON.stringify(meta).length <= budget) return meta;
  const out: Record<string, unknown> = { ...meta };
  const attachments = (meta.attachments as IntakeAttachment[] | undefined) ?? [];
  if (attachments.length > 0) {
    const kept: IntakeAttachment[] = [];
    out.attachments = kept;
    out.attachmentCount = attachments.length;
    for (const a of attachments) {
      kept.push(a);
      if (JSON.stringify(out).length > budget) {
        kept.pop();
        break;
      }
    }
  }
  if (JSON.stringify(out).length > budget && out.fields !== undefined) {
    delete out.fields;
    out.fieldsOmitted = true;
  }
  if (JSON.stringify(out).length > budget && out.to !== undefined) delete out.to;
  return out;
}

function meta(base: Record<string, unknown>): { intake: Record<string, unknown> } {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) clean[k] = v;
  return { intake: fitMeta(clean) };
}

function refs(dedupKey: string) {
  return dedupKey.length <= TICKET_LIMITS.shortText ? { externalId: dedupKey } : undefined;
}

function fromEmail(
  m: z.output<typeof EmailMessageSchema>,
  options: NormalizeIntakeOptions,
): IntakeResult {
  const messageId = normalizeMessageId(m.messageId);
  const dedupKey = `email:${messageId}`;
  const address = m.from.address.trim().toLowerCase();
  const from: IntakeFrom = {
    channel: 'email',
    id: address,
    address,
    ...(m.from.name ? { name: m.from.name } : {}),
  };
  const attachments: IntakeAttachment[] = (m.attachments ?? []).map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    ...(a.checksum ? { checksum: a.checksum } : {}),
    ...(a.url ? { url: a.url } : {}),
    disposition: 'attachment',
  }));
  const hasText = m.text !== undefined && m.text.trim() !== '';
  const source = hasText
    ? { text: m.text!, truncated: false, html: false }
    : m.html !== undefined
      ? { ...convertHtml(m.html, TICKET_LIMITS.description), html: true }
      : { text: '', truncated: false, html: false };

  const description = plain(source.text, TICKET_LIMITS.description);
  const inReplyTo = m.inReplyTo ? messageIdsIn(m.inReplyTo) : [];
  const references = (m.references ?? []).flatMap(messageIdsIn);
  const title = stripPrefixes(m.subject) || '(no subject)';
  const draft: TicketDraft = {
    title,
    ...(description.text ? { description: description.text } : {}),
    channel: 'email',
    requester: address,
    ...(refs(dedupKey) ? { externalRefs: refs(dedupKey) } : {}),
    custom: meta({
      channel: 'email',
      dedupKey,
      messageId,
      from: { address, ...(m.from.name ? { name: m.from.name } : {}) },
      to: m.to?.map((t) => t.address.toLowerCase()),
      subject: m.subject,
      date: m.date,
      inReplyTo: inReplyTo[0],
      format: source.html ? 'html-to-text' : 'text',
      attachments,
      truncated: source.truncated || description.truncated || undefined,
    }),
  };
  const truncatedNew = source.truncated || description.truncated;

  const match = matchThread(m.subject, inReplyTo, references, options);
  if (!match) return { kind: 'new', draft, dedupKey, from, attachments, truncated: truncatedNew };

  const stripped = stripQuoted(source.text);
  const body = plain(
    stripped || (attachments.length > 0 ? '(no text; see attachments)' : '(empty reply)'),
    INTAKE_LIMITS.comment,
  );
  return {
    kind: 'reply',
    ticketRef: match.ticketRef,
    matchedBy: match.matchedBy,
    comment: { body: body.text, visibility: 'public' },
    draft,
    dedupKey,
    from,
    attachments,
    truncated: source.truncated || body.truncated,
  };
}

function matchThread(
  subject: string,
  inReplyTo: readonly string[],
  references: readonly string[],
  options: NormalizeIntakeOptions,
): { ticketRef: string; matchedBy: IntakeMatch } | undefined {
  const lookup = options.lookupMessageId;
  if (lookup) {
    for (const id of inReplyTo) {
      const t = lookup(id);
      if (t) return { ticketRef: t, matchedBy: 'in-reply-to' };
    }
    for (let k = references.length - 1; k >= 0; k--) {
      const t = lookup(references[k]!);
      if (t) return { ticketRef: t, matchedBy: 'references' };
    }
  }
  const [number] = extractTicketNumbers(subject, options.ticketNumberPattern);
  return number ? { ticketRef: number, matchedBy: 'subject' } : undefined;
}

function fromPhone(m: z.output<typeof PhoneMessageSchema>): IntakeNewTicket {
  const dedupKey = `phone:${m.callId}`;
  const caller = m.caller.trim();
  const from: IntakeFrom = { channel: 'phone', id: caller };
  const full = m.transcript?.trim()
    ? `${m.summary.trim()}\n\nTranscript:\n${m.transcript.trim()}`
    : m.summary;
  const description = plain(full, TICKET_LIMITS.description);
  const draft: TicketDraft = {
    title: shortTitle(m.summary, INTAKE_LIMITS.shortTitle) || `Phone call from ${caller}`,
    description: description.text,
    channel: 'phone',
    requester: caller,
    ...(refs(dedupKey) ? { externalRefs: refs(dedupKey) } : {}),
    custom: meta({ channel: 'phone', dedupKey, callId: m.callId, caller, at: m.at }),
  };
  return { kind: 'new', draft, dedupKey, from, attachments: [], truncated: description.truncated };
}

const CHAT_LABEL = { wechat: 'WeChat', wecom: 'WeCom', dingtalk: 'DingTalk' } as const;
const MEDIA_TYPE: Partial<Record<ChatMessageType, string>> = {
  image: 'image/*',
  voice: 'audio/*',
  video: 'video/*',
  file: 'application/octet-stream',
};

function fromChat(m: ChatOutput): IntakeNewTicket {
  const dedupKey = `${m.channel}:${m.msgId}`;
  const sender = 'openId' in m ? m.openId : m.userId;
  const from: IntakeFrom = { channel: m.channel, id: sender };
  const media = MEDIA_TYPE[m.msgType];
  const attachments: IntakeAttachment[] = media
    ? [
        {
          filename: `${m.msgType}-${m.msgId}`,
          contentType: media,
          ...(m.content.trim() ? { ref: m.content.trim().slice(0, INTAKE_LIMITS.url) } : {}),
          disposition: 'attachment',
        },
      ]
    : [];
  const description = media
    ? { text: '', truncated: false }
    : plain(m.content, TICKET_LIMITS.description);
  const title =
    (description.text && shortTitle(description.text, INTAKE_LIMITS.shortTitle)) ||
    `[${m.msgType}] ${CHAT_LABEL[m.channel]} message`;
  // WeChat sends Unix seconds, DingTalk milliseconds; anything below 1e11 is taken as seconds.
  const ms = m.createTime < 1e11 ? m.createTime * 1000 : m.createTime;
  const sentAt = ms <= 8.64e15 ? new Date(ms).toISOString() : undefined;
  const draft: TicketDraft = {
    title,
    ...(description.text ? { description: description.text } : {}),
    channel: m.channel,
    requester: sender,
    ...(refs(dedupKey) ? { externalRefs: refs(dedupKey) } : {}),
    custom: meta({
      channel: m.channel,
      dedupKey,
      msgId: m.msgId,
      msgType: m.msgType,
      createTime: m.createTime,
      sentAt,
      attachments: attachments.length ? attachments : undefined,
    }),
  };
  return { kind: 'new', draft, dedupKey, from, attachments, truncated: description.truncated };
}

function fromWeb(m: z.output<typeof WebMessageSchema>): IntakeNewTicket {
  const dedupKey = `web:${m.submissionId}`;
  const email = m.email?.trim().toLowerCase();
  const from: IntakeFrom = {
    channel: 'web',
    ...(email ? { id: email, address: email } : {}),
    ...(m.name ? { name: m.name } : {}),
  };
  const description = plain(m.description, TICKET_LIMITS.description);
  const draft: TicketDraft = {
    title: collapse(m.title),
    ...(description.text ? { description: description.text } : {}),
    channel: 'web',
    ...(email ? { requester: email } : {}),
    ...(m.priority ? { priority: m.priority } : {}),
    ...(m.category ? { category: m.category } : {}),
    ...(refs(dedupKey) ? { externalRefs: refs(dedupKey) } : {}),
    custom: meta({
      channel: 'web',
      dedupKey,
      submissionId: m.submissionId,
      name: m.name,
      email,
      fields: m.fields,
    }),
  };
  return { kind: 'new', draft, dedupKey, from, attachments: [], truncated: description.truncated };
}

function fromApi(m: z.output<typeof ApiMessageSchema>): IntakeNewTicket {
  const dedupKey = `api:${m.requestId}`;
  const { custom, ...rest } = m.draft;
  const intake = { channel: 'api', dedupKey, requestId: m.requestId };
  const merged = { ...(custom ?? {}), intake };
  const check = TicketDraftSchema.shape.custom.safeParse(merged);
  if (!check.success) {
    throw new ValidationError(
      [
        {
          code: 'too_big',
          path: ['draft', 'custom'],
          message: `custom must leave room for custom.intake (about 200 characters of JSON); it is ${JSON.stringify(custom).length} characters`,
        },
      ],
      { context: 'Invalid api intake message' },
    );
  }
  const draft: TicketDraft = { ...rest, channel: rest.channel ?? 'api', custom: merged };
  const from: IntakeFrom = {
    channel: 'api',
    ...(draft.requester ? { id: draft.requester } : {}),
  };
  return { kind: 'new', draft, dedupKey, from, attachments: [], truncated: false };
}
