// zod schemas for inbound messages, one per channel. Every string has a bound so a hostile
// payload is rejected before any parsing work; bodies are bounded loosely (they are capped to
// the ticket limits later, not rejected) and titles strictly (they become the ticket title).
import { z } from 'zod';
import { PRIORITIES, TICKET_LIMITS, TicketDraftSchema } from '../ticket/index';

/** Limits applied to intake messages. */
export const INTAKE_LIMITS = {
  /** Max characters of a channel id (msgId, callId, submissionId, requestId, openId, userId). */
  id: TICKET_LIMITS.shortText,
  /** Max characters of an email Message-ID (the dedup key must fit the desk's 255-character idempotency key). */
  messageId: 240,
  /** Max characters of an email address or phone number (it becomes the ticket requester). */
  address: TICKET_LIMITS.shortText,
  /** Max characters of a display name. */
  name: TICKET_LIMITS.shortText,
  /** Max characters of an email subject or form title (it becomes the ticket title). */
  subject: TICKET_LIMITS.title,
  /** Max characters of a raw body (text, HTML, transcript, chat content, form description); longer is rejected. */
  body: 2_000_000,
  /** Max entries in `references` or `to`. */
  list: 100,
  /** Max attachments per message. */
  attachments: 100,
  /** Max characters of an attachment file name. */
  filename: 255,
  /** Max characters of an attachment URL. */
  url: 2048,
  /** Max custom form fields. */
  fields: 50,
  /** Max characters of a custom form field value. */
  fieldValue: 1000,
  /** Max characters of a title made from chat content or a call summary. */
  shortTitle: 80,
  /** Max characters of a reply comment body (the desk's comment limit); longer bodies are cut. */
  comment: 20_000,
} as const;

const noNul = (s: string) => !s.includes('\u0000');
const NUL = 'must not contain the NUL character (U+0000); remove it';

const str = (max: number, what = '') =>
  z.string().max(max, `must be at most ${max} characters${what}`).refine(noNul, NUL);
const id = () => str(INTAKE_LIMITS.id).min(1, 'must not be empty; pass the id the channel gave');
const body = () =>
  z
    .string()
    .max(
      INTAKE_LIMITS.body,
      `must be at most ${INTAKE_LIMITS.body} characters; store larger content as an attachment`,
    );
const isoDate = () =>
  z.iso.datetime({
    offset: true,
    message: 'must be an ISO 8601 date-time such as "2026-01-05T09:00:00+08:00"',
  });

const address = () =>
  str(INTAKE_LIMITS.address).refine((s) => {
    const at = s.indexOf('@');
    return at > 0 && at < s.length - 1 && !/\s/.test(s);
  }, 'must be an email address such as "user@example.com"');

const mailbox = z.object({ address: address(), name: str(INTAKE_LIMITS.name).optional() }).strict();

const httpUrl = str(INTAKE_LIMITS.url).refine(
  (s) => /^https?:\/\//i.test(s),
  'must be an http(s) URL; other schemes (javascript:, data:) are refused',
);

/** Attachment metadata as an email parser reports it (the content stays with the app). */
export const EmailAttachmentSchema = z
  .object({
    filename: str(INTAKE_LIMITS.filename).min(1, 'must not be empty; use "attachment" if unknown'),
    contentType: str(TICKET_LIMITS.shortText).min(
      1,
      'must not be empty; use "application/octet-stream" if unknown',
    ),
    size: z.number().int('must be a whole number of bytes').nonnegative('must not be negative'),
    checksum: str(TICKET_LIMITS.shortText).optional(),
    url: httpUrl.optional(),
  })
  .strict();

const messageId = () =>
  str(INTAKE_LIMITS.messageId).min(1, 'must not be empty; pass the Message-ID header');

/** An inbound email, as a mail parser (mailparser, Postmark, SES, ...) reports it. */
export const EmailMessageSchema = z
  .object({
    channel: z.literal('email'),
    messageId: messageId(),
    from: mailbox,
    to: z
      .array(mailbox)
      .max(INTAKE_LIMITS.list, `must have at most ${INTAKE_LIMITS.list} entries`)
      .optional(),
    subject: str(INTAKE_LIMITS.subject, '; it becomes the ticket title, so shorten it'),
    text: body().optional(),
    html: body().optional(),
    inReplyTo: str(INTAKE_LIMITS.messageId * 4).optional(),
    references: z
      .array(str(INTAKE_LIMITS.messageId * 4))
      .max(
        INTAKE_LIMITS.list,
        `must have at most ${INTAKE_LIMITS.list} entries; keep the most recent`,
      )
      .optional(),
    date: isoDate().optional(),
    attachments: z
      .array(EmailAttachmentSchema)
      .max(INTAKE_LIMITS.attachments, `must have at most ${INTAKE_LIMITS.attachments} attachments`)
      .optional(),
  })
  .strict();

/** A phone call, logged by an agent or a call-centre system. */
export const PhoneMessageSchema = z
  .object({
    channel: z.literal('phone'),
    callId: id(),
    caller: str(INTAKE_LIMITS.address).min(1, 'must not be empty; pass the caller number or id'),
    transcript: body().optional(),
    summary: body().refine(
      (s) => s.trim() !== '',
      'must not be blank; summarise the call in a line',
    ),
    at: isoDate().optional(),
  })
  .strict();

/** Chat message types; `text`, `markdown`, `link` and `location` carry text, the rest are media. */
export const CHAT_MESSAGE_TYPES = [
  'text',
  'markdown',
  'link',
  'location',
  'image',
  'voice',
  'video',
  'file',
] as const;
/** A chat message type. */
export type ChatMessageType = (typeof CHAT_MESSAGE_TYPES)[number];

const chatBase = {
  msgId: id(),
  content: body(),
  msgType: z.enum(CHAT_MESSAGE_TYPES),
  createTime: z
    .number()
    .int('must be a whole number (Unix seconds or milliseconds)')
    .nonnegative('must not be negative'),
};

/** A WeChat Official Account message (`openId` is the sender). */
export const WechatMessageSchema = z
  .object({ channel: z.literal('wechat'), openId: id(), ...chatBase })
  .strict();
/** A WeCom (企业微信) message (`userId` is the sender). */
export const WecomMessageSchema = z
  .object({ channel: z.literal('wecom'), userId: id(), ...chatBase })
  .strict();
/** A DingTalk (钉钉) robot message (`userId` is the sender). */
export const DingtalkMessageSchema = z
  .object({ channel: z.literal('dingtalk'), userId: id(), ...chatBase })
  .strict();

const fieldValue = z.union([str(INTAKE_LIMITS.fieldValue), z.number(), z.boolean(), z.null()]);

/** A web form submission. */
export const WebMessageSchema = z
  .object({
    channel: z.literal('web'),
    submissionId: id(),
    name: str(INTAKE_LIMITS.name).optional(),
    email: address().optional(),
    title: str(INTAKE_LIMITS.subject, '; shorten it').refine(
      (s) => s.trim() !== '',
      'is required; give the request a short title',
    ),
    description: body(),
    priority: z.enum(PRIORITIES).optional(),
    category: str(TICKET_LIMITS.shortText).min(1, 'must not be empty; omit it instead').optional(),
    fields: z
      .record(str(64).min(1, 'field names must not be empty'), fieldValue)
      .refine(
        (r) => Object.keys(r).length <= INTAKE_LIMITS.fields,
        `must have at most ${INTAKE_LIMITS.fields} fields`,
      )
      .optional(),
  })
  .strict();

/** A ticket draft posted to your own API. */
export const ApiMessageSchema = z
  .object({ channel: z.literal('api'), requestId: id(), draft: TicketDraftSchema })
  .strict();

/** Any inbound message, discriminated by `channel`. */
export const IntakeMessageSchema = z.discriminatedUnion('channel', [
  EmailMessageSchema,
  PhoneMessageSchema,
  WechatMessageSchema,
  WecomMessageSchema,
  DingtalkMessageSchema,
  WebMessageSchema,
  ApiMessageSchema,
]);

/** Schema per channel, for the parser's dispatch on a validated channel name. */
export const SCHEMA_BY_CHANNEL = {
  email: EmailMessageSchema,
  phone: PhoneMessageSchema,
  wechat: WechatMessageSchema,
  wecom: WecomMessageSchema,
  dingtalk: DingtalkMessageSchema,
  web: WebMessageSchema,
  api: ApiMessageSchema,
} as const;
