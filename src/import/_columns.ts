/** @internal The default ticket columns and their compilation into lookup tables. */
import type { ZodType } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors/index';
import type { ColumnSpec, EnumSpec } from './_types';

/** @internal The built-in fields of {@link ImportedTicketRow}, in template order. */
export const BUILTIN_KEYS = [
  'externalId',
  'title',
  'description',
  'priority',
  'category',
  'status',
  'customerId',
  'assignee',
  'createdAt',
] as const;

/** @internal */
export type BuiltinKey = (typeof BUILTIN_KEYS)[number];

/** The default priority values and aliases. */
export const DEFAULT_PRIORITIES: EnumSpec = {
  values: ['urgent', 'high', 'normal', 'low'],
  aliases: {
    urgent: ['紧急', '特急', 'critical'],
    high: ['高'],
    normal: ['普通', '中', '一般', 'medium'],
    low: ['低'],
  },
};

/** The default workflow's status values and aliases. */
export const DEFAULT_STATUSES: EnumSpec = {
  values: ['pending', 'in_progress', 'awaiting_feedback', 'resolved', 'archived'],
  aliases: {
    pending: ['待受理', 'open', 'new'],
    in_progress: ['处理中', 'in progress'],
    awaiting_feedback: ['等待反馈', 'awaiting feedback'],
    resolved: ['已解决'],
    archived: ['已归档'],
  },
};

/** The default ticket columns: header aliases (English and Chinese), limits and required-ness. */
export const DEFAULT_TICKET_COLUMNS: Readonly<Record<BuiltinKey, ColumnSpec>> = {
  externalId: {
    aliases: ['external id', 'id', 'ticket id', '工单编号', '工单号', '编号'],
    required: true,
    maxLength: 128,
    label: { en: 'externalId', zh: '工单编号' },
    sample: { en: 'WO-2026-0001', zh: 'WO-2026-0001' },
  },
  title: {
    aliases: ['subject', '标题', '主题'],
    required: true,
    maxLength: 200,
    label: { en: 'title', zh: '标题' },
    sample: { en: 'Printer on floor 3 is offline', zh: '三楼打印机无法连接' },
  },
  description: {
    aliases: ['body', 'details', '描述', '详情', '问题描述'],
    maxLength: 10_000,
    label: { en: 'description', zh: '描述' },
    sample: {
      en: 'Since this morning, nobody on floor 3 can print.',
      zh: '今天早上开始，三楼所有人都无法打印。',
    },
  },
  priority: {
    aliases: ['优先级'],
    required: true,
    enum: DEFAULT_PRIORITIES,
    label: { en: 'priority', zh: '优先级' },
    sample: { en: 'high', zh: '高' },
  },
  category: {
    aliases: ['type', '类型', '分类'],
    maxLength: 100,
    label: { en: 'category', zh: '类型' },
    sample: { en: 'hardware', zh: '硬件' },
  },
  status: {
    aliases: ['state', '状态'],
    enum: DEFAULT_STATUSES,
    label: { en: 'status', zh: '状态' },
    sample: { en: 'pending', zh: '待受理' },
  },
  customerId: {
    aliases: ['customer', 'customer id', '客户编号', '客户'],
    maxLength: 128,
    label: { en: 'customerId', zh: '客户编号' },
    sample: { en: 'C-1001', zh: 'C-1001' },
  },
  assignee: {
    aliases: ['owner', '处理人', '负责人'],
    maxLength: 128,
    label: { en: 'assignee', zh: '处理人' },
    sample: { en: 'li.lei', zh: 'li.lei' },
  },
  createdAt: {
    aliases: ['created', 'created at', '创建时间', '创建日期'],
    type: 'date',
    label: { en: 'createdAt', zh: '创建时间' },
    sample: { en: '2026-01-21 14:30', zh: '2026-01-21 14:30' },
  },
};

/** @internal Header text → lookup key: NFKC (full-width letters), lower case, no spaces/_/-. */
export function normalizeHeader(h: string): string {
  return h
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-*]+/g, '');
}

/** @internal Enum cell text → lookup key. */
export function normalizeEnumValue(v: string): string {
  return v
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .trim();
}

/** @internal A column ready for the hot loop. */
export interface CompiledColumn {
  key: string;
  builtin: boolean;
  required: boolean;
  date: boolean;
  maxLength: number;
  enumMap: Map<string, string> | undefined;
  enumCandidates: Array<readonly [string, string]>;
  enumValues: readonly string[];
  schema: ZodType | undefined;
  spec: ColumnSpec;
}

/** @internal All columns plus the header lookup. */
export interface CompiledColumns {
  columns: CompiledColumn[];
  byHeader: Map<string, CompiledColumn>;
}

function compileEnum(
  e: EnumSpec,
): Pick<CompiledColumn, 'enumMap' | 'enumCandidates' | 'enumValues'> {
  const map = new Map<string, string>();
  const cands: Array<readonly [string, string]> = [];
  for (const v of e.values) {
    const k = normalizeEnumValue(v);
    map.set(k, v);
    cands.push([k, v]);
  }
  for (const [canonical, aliases] of Object.entries(e.aliases ?? {})) {
    for (const a of aliases) {
      const k = normalizeEnumValue(a);
      map.set(k, canonical);
      cands.push([k, canonical]);
    }
  }
  return { enumMap: map, enumCandidates: cands, enumValues: e.values };
}

/** @internal Merges defaults with options and checks the result; throws on a bad config. */
export function compileColumns(
  overrides: Readonly<Record<string, ColumnSpec>> | undefined,
  statuses: EnumSpec | undefined,
): CompiledColumns {
  const issues: ValidationIssue[] = [];
  const specs = new Map<string, { spec: ColumnSpec; builtin: boolean }>();
  for (const k of BUILTIN_KEYS) specs.set(k, { spec: DEFAULT_TICKET_COLUMNS[k], builtin: true });
  if (statuses) {
    const base = DEFAULT_TICKET_COLUMNS.status;
    specs.set('status', { spec: { ...base, enum: statuses }, builtin: true });
  }
  for (const [key, o] of Object.entries(overrides ?? {})) {
    const prev = specs.get(key);
    if (prev) {
      // Aliases add to the built-in ones so that overriding `required` keeps 优先级 working.
      const aliases = [...(prev.spec.aliases ?? []), ...(o.aliases ?? [])];
      specs.set(key, { spec: { ...prev.spec, ...o, aliases }, builtin: true });
    } else specs.set(key, { spec: o, builtin: false });
  }
  const columns: CompiledColumn[] = [];
  const byHeader = new Map<string, CompiledColumn>();
  for (const [key, { spec, builtin }] of specs) {
    if (spec.enum && spec.enum.values.length === 0)
      issues.push({
        code: 'invalid_enum',
        path: ['columns', key, 'enum'],
        message: 'needs at least one value',
      });
    for (const c of Object.keys(spec.enum?.aliases ?? {}))
      if (!spec.enum!.values.includes(c))
        issues.push({
          code: 'invalid_enum',
          path: ['columns', key, 'enum', 'aliases', c],
          message: `alias target "${c}" is not one of the values`,
        });
    if (builtin && key === 'createdAt' && spec.type === 'string')
      issues.push({
        code: 'invalid_type',
        path: ['columns', key, 'type'],
        message: 'createdAt is always a date',
      });
    const col: CompiledColumn = {
      key,
      builtin,
      required: spec.required ?? false,
      date: spec.type === 'date',
      maxLength: spec.maxLength ?? Number.POSITIVE_INFINITY,
      enumMap: undefined,
      enumCandidates: [],
      enumValues: [],
      schema: spec.schema,
      spec,
      ...(spec.enum ? compileEnum(spec.enum) : {}),
    };
    columns.push(col);
    for (const h of [key, ...(spec.aliases ?? []), spec.label?.en ?? '', spec.label?.zh ?? '']) {
      if (h === '') continue;
      const n = normalizeHeader(h);
      const other = byHeader.get(n);
      if (other && other !== col)
        issues.push({
          code: 'duplicate_column',
          path: ['columns', key, 'aliases'],
          message: `header "${h}" is already an alias of "${other.key}"`,
        });
      else byHeader.set(n, col);
    }
  }
  if (issues.length) throw new ValidationError(issues, { context: 'Invalid import columns' });
  return { columns, byHeader };
}
