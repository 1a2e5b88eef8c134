import {
  type Classifier,
  type ClassifierResult,
  combineClassifiers,
  defineRules,
  trainClassifier,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const rules = defineRules([
  {
    name: 'printer',
    when: { any: ['打印机', 'printer'] },
    set: { category: 'hardware', tags: ['printer'] },
  },
  { name: 'vip', when: { any: ['CEO', '总经理'] }, set: { priority: 'urgent', tags: ['vip'] } },
]);
const model = trainClassifier([
  { text: '网络很慢 wifi 断了', label: 'network' },
  { text: 'VPN 连不上 网络', label: 'network' },
  { text: '密码忘了 账号锁定', label: 'account' },
  { text: '打印机卡纸', label: 'hardware' },
]);

describe('Classifier port', () => {
  it('the rule classifier and the model both implement it', () => {
    const ports: Classifier[] = [rules, model];
    const r = ports[0]!.classify({ title: 'printer broken' }) as ClassifierResult;
    expect(r).toMatchObject({ category: 'hardware', tags: ['printer'] });
    const m = ports[1]!.classify({ title: 'wifi 断了', description: '网络' }) as ClassifierResult;
    expect(m.category).toBe('network');
    expect(m.confidence).toBeGreaterThan(0.6);
    expect(m.suggestion).toBe(false);
  });

  it('combineClassifiers: rules first, the model for fields the rules left unset', async () => {
    const c = combineClassifiers([rules, model]);
    const a = await c.classify({ title: '总经理的打印机坏了' });
    expect(a).toMatchObject({ category: 'hardware', priority: 'urgent', tags: ['printer', 'vip'] });
    expect(a.source).toEqual({ category: 'rules', priority: 'rules' });
    const b = await c.classify({ title: 'CEO 说 wifi 断了', description: '网络很慢' });
    expect(b).toMatchObject({ category: 'network', priority: 'urgent', tags: ['vip'] });
    expect(b.source).toEqual({ category: 'naive-bayes', priority: 'rules' });
    expect(b.reasons?.[0]).toMatch(/^rules: rule "vip" matched "CEO"/);
    expect(b.reasons?.[1]).toMatch(/^naive-bayes: naive Bayes: network/);
  });

  it('a suggestion yields to a later decision, and is kept when nothing decides', async () => {
    const unsure: Classifier = {
      name: 'unsure',
      classify: () => ({ category: 'billing', tags: ['u'], confidence: 0.4, suggestion: true }),
    };
    const sure: Classifier = {
      name: 'llm',
      classify: async () => ({ category: 'software', tags: ['l'], confidence: 0.9 }),
    };
    const empty: Classifier = { classify: () => ({ tags: [] }) };
    expect(await combineClassifiers([unsure, sure]).classify({ title: 'x' })).toMatchObject({
      category: 'software',
      confidence: 0.9,
      tags: ['u', 'l'],
      source: { category: 'llm' },
    });
    const kept = await combineClassifiers([empty, unsure]).classify({ title: 'x' });
    expect(kept).toMatchObject({
      category: 'billing',
      suggestion: true,
      confidence: 0.4,
      source: { category: 'unsure' },
    });
  });

  it('stops calling later classifiers once category and priority are decided', async () => {
    let calls = 0;
    const llm: Classifier = {
      name: 'llm',
      classify: async () => {
        calls++;
        return { category: 'x', tags: [] };
      },
    };
    const c = combineClassifiers([rules, llm]);
    await c.classify({ title: '总经理的打印机坏了' });
    expect(calls).toBe(0);
    await c.classify({ title: '打印机坏了' }); // priority still open
    expect(calls).toBe(1);
  });

  it('validates its input', () => {
    expect(() => combineClassifiers([])).toThrow(ValidationError);
    expect(() => combineClassifiers([{} as Classifier])).toThrow(/classify/);
  });
});
