import { type ClassificationRule, defineRules, isTicketkitError, ValidationError } from 'ticketkit';
import { describe, expect, it } from 'vitest';

const RULES: ClassificationRule[] = [
  {
    name: 'printer',
    when: { any: ['打印机', 'printer', '卡纸'] },
    set: { category: 'hardware', tags: ['printer'] },
  },
  { name: 'network', when: { any: ['网络', 'wifi', 'VPN', 'ip'] }, set: { category: 'network' } },
  {
    name: 'password',
    when: { any: ['密码', 'password'] },
    set: { category: 'account', tags: ['password'] },
  },
  {
    name: 'outage',
    when: { regex: '宕机|全部(?:断网|掉线)|\\bdown\\b' },
    set: { priority: 'urgent', tags: ['outage'] },
    weight: 10,
  },
];

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('defineRules / classify', () => {
  const rules = defineRules(RULES);

  it('matches Chinese terms as substrings (no word boundaries needed)', () => {
    expect(rules.classify('三楼的网络打不开').category).toBe('network');
    expect(rules.classify('我的密码忘记了').category).toBe('account');
    expect(rules.classify('彩色打印机又卡纸了').category).toBe('hardware');
    expect(rules.classify('办公室空调太冷').category).toBeUndefined();
  });

  it('matches English terms as whole words, case-insensitively, also next to Chinese', () => {
    expect(rules.classify('Printer offline').category).toBe('hardware');
    expect(rules.classify('The PRINTER is jammed').category).toBe('hardware');
    expect(rules.classify('IP冲突').category).toBe('network');
    expect(rules.classify('ship the parcel').category).toBeUndefined(); // not "ip"
    expect(rules.classify('my passwords').category).toBeUndefined(); // whole word in auto mode
    expect(rules.classify('ＷｉＦｉ断了').category).toBe('network'); // full-width folded
  });

  it('explains which rule fired on which text, with original casing and offsets', () => {
    const r = rules.classify({ title: 'Printer 卡纸', description: 'VPN也DOWN了' });
    expect(r.category).toBe('hardware');
    expect(r.priority).toBe('urgent');
    expect(r.tags).toEqual(['outage', 'printer']);
    expect(r.fired).toEqual([
      {
        rule: 'outage',
        matched: [{ field: 'description', text: 'DOWN', index: 4, term: 'regex' }],
        applied: ['priority', 'tags'],
      },
      {
        rule: 'printer',
        matched: [
          { field: 'title', text: 'Printer', index: 0, term: 'printer' },
          { field: 'title', text: '卡纸', index: 8, term: '卡纸' },
        ],
        applied: ['category', 'tags'],
      },
      {
        rule: 'network',
        matched: [{ field: 'description', text: 'VPN', index: 0, term: 'VPN' }],
        applied: [],
      },
    ]);
    expect(r.reasons).toEqual([
      'rule "outage" matched "DOWN" in description → priority=urgent tags+=outage',
      'rule "printer" matched "Printer" in title, "卡纸" in title → category=hardware tags+=printer',
      'rule "network" matched "VPN" in description (overridden)',
    ]);
  });

  it('resolves conflicts by weight, then definition order', () => {
    // printer and network both match; equal weight → the one defined first wins
    expect(rules.classify('网络打印机坏了').category).toBe('hardware');
    const weighted = defineRules([RULES[0]!, { ...RULES[1]!, weight: 1 }]);
    expect(weighted.classify('网络打印机坏了').category).toBe('network');
    expect(weighted.classify('网络打印机坏了').fired.map((f) => f.rule)).toEqual([
      'network',
      'printer',
    ]);
  });

  it('supports all / none / field / match modes', () => {
    const r = defineRules([
      { name: 'vpn-account', when: { all: ['VPN', '密码'] }, set: { category: 'account' } },
      { name: 'net', when: { any: ['网络'], none: ['网络打印机'] }, set: { category: 'network' } },
      { name: 'title-only', when: { any: ['急'], field: 'title' }, set: { priority: 'high' } },
      { name: 'prefix', when: { any: ['print'], match: 'substring' }, set: { tags: ['print'] } },
      { name: 'word', when: { any: ['上网'], match: 'word' }, set: { tags: ['online'] } },
    ]);
    expect(r.classify('VPN 密码过期').category).toBe('account');
    expect(r.classify('VPN 连不上').category).toBeUndefined();
    expect(r.classify('网络打印机连不上网络').category).toBeUndefined();
    expect(r.classify('网络很慢').category).toBe('network');
    expect(r.classify({ title: '急', description: '' }).priority).toBe('high');
    expect(r.classify({ title: '求助', description: '急' }).priority).toBeUndefined();
    expect(r.classify('急').priority).toBe('high'); // a plain string is every field
    expect(r.classify('printers down').tags).toEqual(['print']);
    expect(r.classify('无法上网').tags).toEqual(['online']); // segments: 无法 | 上网
    expect(r.classify('要上网站').tags).toEqual([]); // segments: 要 | 上 | 网站 → 上网 straddles a boundary
  });

  it('regex: strings compile with iu; RegExp flags kept except g/y', () => {
    const r = defineRules([
      { name: 'err', when: { regex: /ERR-\d{3}/g }, set: { tags: ['err'] } },
      { name: 'ticket', when: { regex: 'ticket #\\d+' }, set: { tags: ['ref'] } },
    ]);
    expect(r.classify('got ERR-500 and Ticket #12').tags).toEqual(['err', 'ref']);
    expect(r.classify('got ERR-500 twice').tags).toEqual(['err']); // no lastIndex state
    expect(r.classify('got err-500').tags).toEqual([]);
  });

  it('freezes the rules it returns', () => {
    expect(Object.isFrozen(rules.rules)).toBe(true);
    expect(Object.isFrozen(rules.rules[0]!.when.any)).toBe(true);
  });
});

describe('defineRules validation', () => {
  it('lists every problem with a path and a fix', () => {
    const e = errorOf(() =>
      defineRules([
        { name: '', when: { any: [] }, set: {} },
        {
          name: 'dup',
          when: { any: ['a', ''] },
          set: { category: 'x', priority: 'hign' as never },
        },
        {
          name: 'dup',
          when: { anyOf: ['x'] } as never,
          set: { category: 'y' },
          weight: Number.NaN,
        },
        {
          name: 'f',
          when: { any: ['x'], field: 'body' as never, match: 'regex' as never },
          set: { tags: ['t'] },
        },
      ]),
    );
    expect(isTicketkitError(e)).toBe(true);
    expect(e.code).toBe('validation_failed');
    expect(e.issues.map((i) => [i.code, i.path.join('.')])).toEqual([
      ['required', '0.name'],
      ['empty_condition', '0.when'],
      ['empty_action', '0.set'],
      ['invalid_term', '1.when.any.1'],
      ['invalid_enum', '1.set.priority'],
      ['duplicate', '2.name'],
      ['invalid_type', '2.weight'],
      ['unrecognized_keys', '2.when.anyOf'],
      ['empty_condition', '2.when'],
      ['invalid_enum', '3.when.field'],
      ['invalid_enum', '3.when.match'],
    ]);
    expect(e.issues[4]!.suggestion).toBe('high');
    expect(e.message).toMatch(/^defineRules: \[0\]\.name: must be a non-empty string/);
  });

  it('rejects regexes with nested quantifiers or backreferences as a ReDoS risk', () => {
    const unsafe = [
      '(a+)+$',
      '(\\w+\\s?)*x',
      '(?:a|b*)+',
      '(x{2,})*',
      '(\\d+){3,}',
      '((ab)*c)+',
      '(a)\\1',
      '(?<w>a)\\k<w>',
    ];
    for (const regex of unsafe) {
      const e = errorOf(() => defineRules([{ name: 'r', when: { regex }, set: { tags: ['t'] } }]));
      expect(e.issues[0]!.code, regex).toBe('unsafe_regex');
      expect(e.issues[0]!.message, regex).toMatch(/ReDoS/);
    }
    const e = errorOf(() =>
      defineRules([{ name: 'r', when: { regex: /(a+)+b/ }, set: { tags: ['t'] } }]),
    );
    expect(e.issues[0]!.message).toContain('nested quantifier in "(a+)+"');
  });

  it('accepts ordinary regexes, including quantified groups without inner repetition', () => {
    const safe = [
      '(ab)+',
      '(a+)?',
      '(a|b)*c',
      '[(a+)+]',
      '\\(a+\\)+',
      '(\\d{3})-\\d{4}',
      'a{2}(b{1})+',
      '\\p{sc=Han}+',
      '(\\u{1F600}x)+',
    ];
    for (const regex of safe)
      expect(
        () => defineRules([{ name: 'r', when: { regex }, set: { tags: ['t'] } }]),
        regex,
      ).not.toThrow();
  });

  it('reports invalid regex syntax', () => {
    const e = errorOf(() =>
      defineRules([{ name: 'r', when: { regex: '([a-' }, set: { tags: ['t'] } }]),
    );
    expect(e.issues[0]!.code).toBe('invalid_regex');
  });
});
