/**
 * The scenario a simulation runs: who calls, when, about what; who answers, when they work,
 * how long the work takes. Validated with zod; the JSON schema is documented in
 * docs/guides/simulation.md.
 */
import { z } from 'zod';
import { ValidationError } from '../errors/index';

const num = z.number().finite();
const pos = num.positive();
const nonneg = num.nonnegative();
const share = num.min(0).max(1);

/** A distribution of minutes. */
export const DistributionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), value: nonneg }).strict(),
  z.object({ type: z.literal('exponential'), mean: pos }).strict(),
  z
    .object({
      type: z.literal('lognormal'),
      /** Mean and standard deviation of the minutes themselves. */
      mean: pos,
      sd: pos,
    })
    .strict(),
  z.object({ type: z.literal('uniform'), min: nonneg, max: nonneg }).strict(),
  z
    .object({
      type: z.literal('empirical'),
      /** Observed values; one is drawn (by `weights`, else uniformly). */
      values: z.array(nonneg).min(1),
      weights: z.array(nonneg).optional(),
    })
    .strict(),
]);
/** A distribution of minutes: fixed, exponential, lognormal, uniform or empirical. */
export type Distribution = z.infer<typeof DistributionSchema>;

const GeoSchema = z.object({ lat: num.min(-90).max(90), lng: num.min(-180).max(180) }).strict();
const PRIORITY = z.enum(['low', 'normal', 'high', 'urgent']);

const CalendarSpecSchema = z
  .object({
    timeZone: z.string().min(1),
    weekly: z.partialRecord(
      z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
      z.array(z.string()),
    ),
    holidays: z.array(z.string()).optional(),
    overrides: z.record(z.string(), z.array(z.string())).optional(),
  })
  .strict();
/** A calendar: a spec as in `createCalendar`, the name of one in `calendars`, or `'24x7'`. */
const CalendarRef = z.union([z.string().min(1), CalendarSpecSchema]);

const StreamSchema = z
  .object({
    /** Name shown in progress and used by trend alerts. Default: category/priority/channel/region. */
    name: z.string().optional(),
    category: z.string().min(1),
    priority: PRIORITY.default('normal'),
    channel: z.string().optional(),
    /** A key of `regions`: the ticket's location is drawn around it; stored as `custom.region`. */
    region: z.string().optional(),
    /** Tickets land in this team's queue: only its agents may take them. */
    team: z.string().optional(),
    /** Mean tickets per day over the whole simulation. */
    ratePerDay: nonneg,
    /** 24 relative weights by local hour (normalised to mean 1). */
    hourProfile: z.array(nonneg).length(24).optional(),
    /** 7 relative weights Monday..Sunday (normalised to mean 1). */
    weekdayProfile: z.array(nonneg).length(7).optional(),
    /** Skills needed (default: the category). */
    requiredSkills: z.array(z.string()).optional(),
  })
  .strict();

const ReplaySchema = z
  .object({
    at: z.string().min(1),
    category: z.string().min(1),
    priority: PRIORITY.default('normal'),
    channel: z.string().optional(),
    region: z.string().optional(),
    team: z.string().optional(),
    title: z.string().optional(),
    location: GeoSchema.optional(),
    requiredSkills: z.array(z.string()).optional(),
  })
  .strict();

const AgentSchema = z
  .object({
    /** The id; with `count`, the prefix of `id-1` .. `id-n`. */
    id: z.string().min(1),
    count: z.number().int().positive().optional(),
    team: z.string().optional(),
    skills: z.record(z.string(), nonneg),
    /** Tickets worked on at once. */
    capacity: z.number().int().positive().default(1),
    /** A point, or a key of `regions`. */
    location: z.union([GeoSchema, z.string()]).optional(),
    calendar: CalendarRef.default('24x7'),
  })
  .strict();

const EscalationSchema = z
  .object({
    name: z.string().min(1),
    metric: z.enum(['firstResponse', 'assignment', 'resolution', 'update']),
    at: z.union([pos, z.literal('breach')]),
    level: z.number().int().positive().optional(),
    actions: z
      .array(
        z.union([
          z.object({ notify: z.string() }).strict(),
          z.object({ raisePriority: z.literal(true) }).strict(),
          z.object({ reassign: z.string() }).strict(),
        ]),
      )
      .min(1),
  })
  .strict();

const Target = z.union([z.string(), pos, z.partialRecord(PRIORITY, z.union([z.string(), pos]))]);

const SlaPolicySchema = z
  .object({
    id: z.string().min(1),
    match: z
      .object({
        priority: z.array(PRIORITY).optional(),
        category: z.array(z.string()).optional(),
        channel: z.array(z.string()).optional(),
        team: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    calendar: CalendarRef.default('24x7'),
    targets: z
      .object({
        firstResponse: Target.optional(),
        assignment: Target.optional(),
        resolution: Target.optional(),
        update: Target.optional(),
      })
      .strict(),
    warnAt: z.array(num.gt(0).lt(1)).optional(),
    hoursPerDay: pos.optional(),
    escalations: z.array(EscalationSchema).optional(),
  })
  .strict();

/** The JSON form of a dispatch policy (a function is accepted only through the API). */
export const DispatchPolicySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('round-robin') }).strict(),
  z.object({ type: z.literal('least-loaded') }).strict(),
  z
    .object({
      type: z.literal('weighted'),
      weights: z
        .object({ skill: nonneg.optional(), load: nonneg.optional(), distance: nonneg.optional() })
        .strict()
        .default({ skill: 0.5, load: 0.3, distance: 0.2 }),
      maxDistanceKm: pos.optional(),
    })
    .strict(),
]);

/** The scenario schema (zod). Parse a JSON file with {@link parseScenario}. */
export const ScenarioSchema = z
  .object({
    name: z.string().default('scenario'),
    /** Start instant (ISO 8601 with offset). */
    start: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO date-time'),
    durationDays: pos.max(3660),
    seed: z.number().int().default(1),
    /** Zone of the hour-of-day and weekday profiles. @default 'UTC' */
    timeZone: z.string().default('UTC'),
    /** Named places: ticket locations are drawn uniformly within `radiusKm` of `center`. */
    regions: z
      .record(z.string(), z.object({ center: GeoSchema, radiusKm: nonneg.default(10) }).strict())
      .default({}),
    /** Named calendars, referenced by name from agents and SLA policies. */
    calendars: z.record(z.string(), CalendarSpecSchema).default({}),
    arrivals: z
      .object({
        streams: z.array(StreamSchema).default([]),
        /** Replayed tickets (e.g. from an export), in addition to the streams. */
        replay: z.array(ReplaySchema).default([]),
      })
      .strict(),
    agents: z.array(AgentSchema).min(1),
    /** Work time once on site, per category (`default` for the rest). */
    service: z
      .object({ default: DistributionSchema })
      .catchall(DistributionSchema)
      .default({ default: { type: 'exponential', mean: 60 } }),
    /**
     * Service time multiplier by skill: `1 + skillFactor × (5 − level) / 5` for the lowest level
     * among the required skills. @default 0 (skill does not change speed)
     */
    skillFactor: nonneg.default(0),
    /** Travel before field work: distance / speed + overhead, or a distribution without locations. */
    travel: z
      .object({
        /** Categories that need a visit; omit for all. */
        categories: z.array(z.string()).optional(),
        speedKmh: pos.default(30),
        overheadMinutes: nonneg.default(0),
        /** Used when the ticket or the agent has no location. */
        fallback: DistributionSchema.optional(),
      })
      .strict()
      .optional(),
    /** The customer is asked for information midway. */
    feedback: z
      .object({
        probability: share,
        /** How long the customer takes to answer. */
        delay: DistributionSchema,
        /** Share of the service done before asking. @default 0.5 */
        splitAt: share.default(0.5),
      })
      .strict()
      .optional(),
    /** The customer reopens a resolved ticket (at most once); the same agent picks it up. */
    reopen: z
      .object({ probability: share, delay: DistributionSchema, service: DistributionSchema })
      .strict()
      .optional(),
    dispatch: DispatchPolicySchema.default({ type: 'least-loaded' }),
    sla: z.array(SlaPolicySchema).default([]),
    /** Minutes between SLA ticks (`desk.sla.tick()`); smaller is more precise and slower. @default 15 */
    tickMinutes: pos.default(15),
  })
  .strict();

/** A scenario as written (defaults not yet applied). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A checked scenario with every default applied. */
export type Scenario = z.output<typeof ScenarioSchema>;
/** A dispatch policy in JSON form. */
export type DispatchPolicySpec = z.output<typeof DispatchPolicySchema>;

/**
 * Validates a scenario (an object or JSON text) and applies defaults.
 * @throws ValidationError listing every problem with its path.
 */
export function parseScenario(input: unknown): Scenario {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new ValidationError(
        [{ code: 'invalid_json', path: [], message: `not valid JSON: ${(e as Error).message}` }],
        { context: 'Invalid scenario' },
      );
    }
  }
  const r = ScenarioSchema.safeParse(value);
  if (!r.success) {
    throw new ValidationError(
      r.error.issues.map((i) => ({
        code: i.code,
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
      })),
      { context: 'Invalid scenario' },
    );
  }
  const s = r.data;
  const issues: { code: string; path: (string | number)[]; message: string }[] = [];
  const known = (name: string) => name === '24x7' || name in s.calendars;
  s.agents.forEach((a, i) => {
    if (typeof a.calendar === 'string' && !known(a.calendar))
      issues.push({
        code: 'not_found',
        path: ['agents', i, 'calendar'],
        message: `no calendar "${a.calendar}" in calendars`,
      });
    if (typeof a.location === 'string' && !(a.location in s.regions))
      issues.push({
        code: 'not_found',
        path: ['agents', i, 'location'],
        message: `no region "${a.location}" in regions`,
      });
  });
  s.sla.forEach((p, i) => {
    if (typeof p.calendar === 'string' && !known(p.calendar))
      issues.push({
        code: 'not_found',
        path: ['sla', i, 'calendar'],
        message: `no calendar "${p.calendar}" in calendars`,
      });
  });
  const checkRegion = (r: string | undefined, path: (string | number)[]) => {
    if (r !== undefined && !(r in s.regions))
      issues.push({ code: 'not_found', path, message: `no region "${r}" in regions` });
  };
  s.arrivals.streams.forEach((st, i) => {
    checkRegion(st.region, ['arrivals', 'streams', i, 'region']);
  });
  s.arrivals.replay.forEach((st, i) => {
    checkRegion(st.region, ['arrivals', 'replay', i, 'region']);
    if (!Number.isFinite(Date.parse(st.at)))
      issues.push({
        code: 'invalid_date',
        path: ['arrivals', 'replay', i, 'at'],
        message: 'must be an ISO date-time',
      });
  });
  if (s.arrivals.streams.length === 0 && s.arrivals.replay.length === 0)
    issues.push({
      code: 'required',
      path: ['arrivals'],
      message: 'give at least one stream or replayed ticket',
    });
  if (issues.length) throw new ValidationError(issues, { context: 'Invalid scenario' });
  return s;
}
