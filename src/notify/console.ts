import type { Notifier } from './types';

/**
 * Writes one line per message (channel, recipient, subject) to `log` — for development and the
 * default desk. Bodies and `data` are not printed.
 *
 * @example
 * ```ts
 * createNotificationQueue({ notifiers: { email: consoleNotifier() }, clock });
 * ```
 */
export function consoleNotifier(
  options: { log?: (line: string) => void; name?: string } = {},
): Notifier {
  const log = options.log ?? ((line: string) => console.info(line));
  return {
    name: options.name ?? 'console',
    async send(message, ctx) {
      log(
        `[ticketkit notify] ${message.channel} → ${message.recipient.id}: ${message.subject} (id ${message.id}, attempt ${ctx.attempt})`,
      );
      return { ok: true };
    },
  };
}
