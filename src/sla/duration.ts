import { ValidationError } from '../errors/index';

/** Options of {@link parseBusinessDuration}. */
export interface BusinessDurationOptions {
  /** Business hours in one `d`. Default 8. */
  hoursPerDay?: number;
}

// The blank after `h` sits inside the optional `h` group so that two `\s*` never touch: with
// `\s*(…h)?\s*` a run of blanks could be split between them in n ways (quadratic, flagged by
// recheck). Same language and captures as `^(…d)?\s*(…h)?\s*(…m)?$`.
/** @internal The duration pattern, exported only for the behaviour test of its ReDoS fix. */
export const DURATION_RE =
  /^(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h\s*)?(?:(\d+(?:\.\d+)?)\s*m)?$/i;

/**
 * Parses a business duration such as `30m`, `4h`, `2d` or `1h30m` into minutes.
 * A `d` is one business day of `hoursPerDay` hours (8 by default), not 24 hours.
 *
 * @throws {@link ValidationError} (`validation_failed`) for an empty, negative or malformed input.
 *
 * @example
 * ```ts
 * parseBusinessDuration('1h30m'); // 90
 * parseBusinessDuration('2d'); // 960
 * parseBusinessDuration('1d', { hoursPerDay: 7.5 }); // 450
 * ```
 */
export function parseBusinessDuration(
  input: string,
  options: BusinessDurationOptions = {},
): number {
  const hoursPerDay = options.hoursPerDay ?? 8;
  if (typeof hoursPerDay !== 'number' || !Number.isFinite(hoursPerDay) || hoursPerDay <= 0) {
    throw new ValidationError(
      [
        {
          code: 'invalid_number',
          path: ['hoursPerDay'],
          message: `Expected hoursPerDay > 0, got ${String(hoursPerDay)}.`,
        },
      ],
      { context: 'parseBusinessDuration' },
    );
  }
  const m = typeof input === 'string' ? DURATION_RE.exec(input.trim()) : null;
  if (!m || input.trim() === '' || (!m[1] && !m[2] && !m[3])) {
    throw new ValidationError(
      [
        {
          code: 'invalid_string',
          path: [],
          message: `${JSON.stringify(input)} is not a business duration; use e.g. "30m", "4h", "2d" or "1h30m".`,
        },
      ],
      { context: 'parseBusinessDuration' },
    );
  }
  const [d, h, min] = [m[1], m[2], m[3]].map((x) => (x === undefined ? 0 : Number(x))) as [
    number,
    number,
    number,
  ];
  return d * hoursPerDay * 60 + h * 60 + min;
}
