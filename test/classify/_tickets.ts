/**
 * Seeded generator of realistic labelled tickets (Chinese and English) for the classification
 * tests and benchmark. Six categories; templates with synonyms, typos, filler words and, on purpose,
 * vocabulary borrowed from other categories (people mention what they already tried), so that
 * keyword rules are good but not perfect.
 */
import type { ClassificationRule } from 'ticketkit';

export type Category = 'network' | 'hardware' | 'account' | 'software' | 'facility' | 'billing';
export const CATEGORIES: readonly Category[] = [
  'network',
  'hardware',
  'account',
  'software',
  'facility',
  'billing',
];

export interface GeneratedTicket {
  title: string;
  description: string;
  label: Category;
  resolution: string;
  text: string;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Vocab {
  zhSubj: string[];
  zhSym: string[];
  enSubj: string[];
  enSym: string[];
  /** Phrases that mention this category in passing inside another category's ticket. */
  zhAside: string[];
  enAside: string[];
  causes: string[];
}

const V: Record<Category, Vocab> = {
  network: {
    zhSubj: [
      '网络',
      '网',
      'WiFi',
      'wifi',
      '无线',
      '内网',
      '外网',
      'VPN',
      '网线',
      '宽带',
      '路由器',
      '交换机',
      '热点',
      '网口',
    ],
    zhSym: [
      '连不上',
      '断断续续',
      '很慢',
      '老是掉线',
      '上不了',
      '无法访问',
      '延迟很高',
      '丢包严重',
      '频繁断开',
      '信号很弱',
      'ping不通',
      '打不开网页',
      '时好时坏',
    ],
    enSubj: [
      'wifi',
      'network',
      'internet',
      'VPN',
      'ethernet',
      'LAN',
      'router',
      'switch port',
      'connection',
      'hotspot',
      'wireless',
    ],
    enSym: [
      'keeps dropping',
      'is very slow',
      'not working',
      'cannot connect',
      'times out',
      'has packet loss',
      'no internet access',
      'disconnects every few minutes',
      'DNS not resolving',
      'unstable',
    ],
    zhAside: ['重启了路由器也没用', '网络是正常的', '换了网线试过', '连的是公司WiFi'],
    enAside: ['I already restarted the router', 'the network seems fine', 'connected via VPN'],
    causes: ['路由器固件故障', 'AP信道干扰', '交换机端口故障', 'DNS配置错误', 'VPN证书过期'],
  },
  hardware: {
    zhSubj: [
      '打印机',
      '复印机',
      '扫描仪',
      '显示器',
      '键盘',
      '鼠标',
      '投影仪',
      '笔记本',
      '电脑主机',
      '硒鼓',
      '墨盒',
      '一体机',
      '标签机',
    ],
    zhSym: [
      '卡纸',
      '打印不出来',
      '打出来全是空白',
      '没反应',
      '黑屏',
      '花屏',
      '开不了机',
      '有异响',
      '缺墨了',
      '按键失灵',
      '一直闪烁',
      '亮红灯',
      '出纸有褶皱',
    ],
    enSubj: [
      'printer',
      'copier',
      'scanner',
      'monitor',
      'keyboard',
      'mouse',
      'projector',
      'laptop',
      'toner',
      'docking station',
      'label printer',
    ],
    enSym: [
      'is jammed',
      'prints blank pages',
      "won't turn on",
      'has no display',
      'makes a grinding noise',
      'is out of toner',
      'has stuck keys',
      'flickers',
      'shows a red light',
      'overheats',
    ],
    zhAside: ['打印机那边也排队', '换了个鼠标试过', '显示器是好的', '用的是笔记本'],
    enAside: ['the printer next to me works', 'I tried another mouse', 'on my laptop'],
    causes: ['搓纸轮老化', '硒鼓耗尽', '电源适配器损坏', '显卡故障', '主板故障'],
  },
  account: {
    zhSubj: [
      '密码',
      '账号',
      '帐号',
      '登录',
      '域账号',
      'OA账号',
      '邮箱账号',
      '企业微信',
      '验证码',
      '权限',
      '工号',
    ],
    zhSym: [
      '忘记了',
      '被锁定了',
      '过期了',
      '需要重置',
      '登录不上',
      '提示密码错误',
      '收不到验证码',
      '没有权限',
      '申请开通',
      '被停用了',
      '无法修改',
    ],
    enSubj: [
      'password',
      'account',
      'login',
      'sign-in',
      'MFA',
      '2FA code',
      'username',
      'SSO',
      'permissions',
      'access rights',
    ],
    enSym: [
      'expired',
      'is locked out',
      'forgotten',
      'needs a reset',
      'says invalid credentials',
      'code not received',
      'access denied',
      'needs to be enabled',
      'was disabled',
    ],
    zhAside: ['密码是对的', '账号刚开通', '已经重新登录过', '用的是域账号'],
    enAside: ['my password is correct', 'after logging in again', 'with my SSO account'],
    causes: ['密码过期', '多次输错被锁定', 'MFA设备更换', '权限组未配置', '账号未同步'],
  },
  software: {
    zhSubj: [
      'Excel',
      'Outlook',
      'ERP系统',
      'OA系统',
      '财务软件',
      '浏览器',
      'Office',
      '钉钉',
      '客户端',
      '软件',
      'CAD',
      'Word',
    ],
    zhSym: [
      '闪退',
      '打不开',
      '报错',
      '卡死',
      '安装失败',
      '更新后无法使用',
      '运行很慢',
      '弹出错误提示',
      '无响应',
      '数据不同步',
      '需要安装',
      '激活失败',
      '白屏',
    ],
    enSubj: [
      'Excel',
      'Outlook',
      'the ERP',
      'Chrome',
      'Office',
      'the CRM app',
      'Teams',
      'the client app',
      'SAP',
      'Word',
      'AutoCAD',
    ],
    enSym: [
      'crashes on startup',
      "won't open",
      'shows an error',
      'freezes',
      'install failed',
      'broke after the update',
      'is very slow',
      'is not responding',
      'license activation failed',
      'shows a blank screen',
    ],
    zhAside: ['软件都更新过了', '浏览器缓存清过了', '重装了客户端', 'Excel里也一样'],
    enAside: ['I updated all the software', 'cleared the browser cache', 'reinstalled the app'],
    causes: ['版本不兼容', '缓存损坏', '许可证过期', '补丁冲突', '配置文件损坏'],
  },
  facility: {
    zhSubj: [
      '空调',
      '电梯',
      '灯',
      '照明',
      '插座',
      '水管',
      '门禁',
      '饮水机',
      '卫生间',
      '会议室电源',
      '配电箱',
      'UPS',
      '暖气',
      '窗户',
    ],
    zhSym: [
      '不制冷',
      '坏了',
      '停电了',
      '跳闸了',
      '漏水',
      '不亮',
      '没电',
      '刷卡开不了门',
      '有异味',
      '噪音很大',
      '温度太高',
      '关不上',
    ],
    enSubj: [
      'air conditioning',
      'elevator',
      'lights',
      'power outlet',
      'water pipe',
      'door access',
      'restroom',
      'breaker',
      'UPS',
      'heating',
      'window',
    ],
    enSym: [
      'not cooling',
      'is broken',
      'power outage',
      'tripped',
      'is leaking',
      'not working',
      'has no power',
      'badge reader fails',
      'too hot',
      'making loud noise',
    ],
    zhAside: ['那一层刚停过电', '空调也不太行', '插座换过了', '物业说在修'],
    enAside: [
      'the power went off earlier',
      'facilities said they are on it',
      'the outlet was replaced',
    ],
    causes: ['空调压缩机故障', '线路过载跳闸', '水管老化', '门禁读卡器故障', '市电中断'],
  },
  billing: {
    zhSubj: [
      '发票',
      '账单',
      '扣费',
      '费用',
      '付款',
      '报销',
      '退款',
      '合同金额',
      '对账单',
      '订阅费',
      '充值',
      '开票',
    ],
    zhSym: [
      '开错了',
      '金额不对',
      '重复扣费',
      '还没到账',
      '需要重开',
      '迟迟未处理',
      '审批被退回',
      '抬头写错了',
      '多收了',
      '无法支付',
      '需要开具',
      '税号有误',
    ],
    enSubj: [
      'invoice',
      'bill',
      'charge',
      'payment',
      'refund',
      'reimbursement',
      'subscription fee',
      'statement',
      'credit card charge',
      'purchase order',
    ],
    enSym: [
      'is wrong',
      'was charged twice',
      'not received',
      'needs to be reissued',
      'has an incorrect amount',
      'pending for weeks',
      'is overcharged',
      'failed',
      'missing the VAT number',
    ],
    zhAside: ['发票已经提交了', '这个月的费用还没结', '报销单也卡着'],
    enAside: ['the invoice was already submitted', 'the payment is still pending'],
    causes: ['税号录入错误', '支付网关超时', '重复提交订单', '汇率配置错误', '审批流配置错误'],
  },
};

const ZH_TEMPLATES = [
  '{subj}{sym}',
  '{loc}的{subj}{sym}',
  '{subj}{sym}，{filler}',
  '从{when}开始{subj}一直{sym}',
  '{who}的{subj}{sym}，{filler}',
  '请帮忙看下{subj}{sym}的问题',
  '【{dept}】{subj}{sym}',
  '{subj}又{sym}了',
];
const EN_TEMPLATES = [
  '{subj} {sym}',
  '{subj} {sym} in {loc}',
  'My {subj} {sym}, {filler}',
  'Since {when} the {subj} {sym}',
  '{who} reports the {subj} {sym}',
  'Issue: {subj} {sym}',
  '[{dept}] {subj} {sym}',
];
const ZH_DESC = [
  '{detail}{aside}。{filler}',
  '具体情况：{detail}，{aside}',
  '{detail}。{filler}',
  '{aside}，但是{detail}',
  '{detail}',
];
const EN_DESC = [
  '{detail}. {aside}. {filler}',
  'Details: {detail}; {aside}',
  '{detail}. {filler}',
  '{detail}',
];

const ZH_LOC = [
  '三楼',
  '5楼东区',
  '研发部',
  '财务室',
  '前台',
  '会议室A',
  '仓库',
  'B座12层',
  '分公司',
];
const EN_LOC = [
  'room 402',
  'the 3rd floor',
  'finance',
  'reception',
  'meeting room B',
  'the warehouse',
  'HQ',
];
const ZH_WHEN = ['今天早上', '昨天下午', '上周', '刚才', '周一', '开完会后'];
const EN_WHEN = ['this morning', 'yesterday', 'last week', 'Monday', 'the weekend'];
const ZH_WHO = ['我', '同事', '领导', '新员工', '实习生', '客户'];
const EN_WHO = ['A colleague', 'My manager', 'A new hire', 'The customer', 'Our team'];
const ZH_FILLER = [
  '麻烦尽快处理',
  '急！！',
  '谢谢',
  '在线等',
  '领导在催',
  '影响工作了',
  '多人反馈',
  '麻烦看一下😭',
  '辛苦了🙏',
  '工单号#{num}',
];
const EN_FILLER = [
  'please help',
  'ASAP',
  'thanks!',
  'urgent',
  'blocking my work',
  'several people affected',
  'ticket #{num}',
  'cheers 🙂',
];
const ZH_DEPT = ['行政', 'IT', '财务', '研发', '销售'];
const EN_DEPT = ['IT', 'Ops', 'Finance', 'Sales', 'HR'];

// Symptoms and subjects that say nothing about the category: real tickets are full of them.
const ZH_GENERIC_SYM = ['坏了', '不能用', '有问题', '用不了', '出故障了', '异常', '不正常'];
const EN_GENERIC_SYM = ['not working', 'broken', 'has a problem', 'acting up', 'stopped working'];
const ZH_GENERIC_SUBJ = ['电脑', '系统', '东西', '设备', '这个'];
const EN_GENERIC_SUBJ = ['computer', 'system', 'thing', 'device', 'PC'];

/** Titles that borrow another category's words while belonging to this one. */
const CONFUSERS: Record<Category, { zh: string[]; en: string[] }> = {
  network: {
    zh: [
      'WiFi密码是对的但是{sym}',
      '登录页面打不开，{subj}{sym}',
      '电脑{sym}，可能是网卡问题',
      '系统提示无网络连接',
    ],
    en: [
      'wifi password is right but it {sym}',
      'computer shows no internet',
      'VPN login page {sym}',
    ],
  },
  hardware: {
    zh: [
      '网络打印机{sym}',
      '{subj}连不上电脑',
      '电脑{sym}，屏幕一闪一闪',
      '软件都重装了{subj}还是{sym}',
    ],
    en: [
      'network printer {sym}',
      '{subj} not detected by the computer',
      'after the update my {subj} {sym}',
    ],
  },
  account: {
    zh: ['登录ERP系统提示密码错误', '系统{sym}', 'OA系统账号{sym}', '打印系统登录不上'],
    en: ['cannot log in to the ERP', 'Outlook {sym}', 'system says my account {sym}'],
  },
  software: {
    zh: ['Excel打印预览报错', '安装打印驱动失败', '系统更新后{subj}{sym}', '{subj}连接数据库超时'],
    en: [
      'Excel print preview crashes',
      'printer driver install failed',
      '{subj} cannot reach the server',
    ],
  },
  facility: {
    zh: [
      '机房停电导致网络中断',
      '会议室投影仪插座没电',
      '{subj}{sym}，电脑都关机了',
      '门禁系统{sym}',
    ],
    en: [
      'power outage took the network down',
      'meeting room {subj} {sym}',
      'door access system {sym}',
    ],
  },
  billing: {
    zh: ['打印费账单金额不对', '软件订阅费重复扣费', '系统里的{subj}{sym}', '报销系统{sym}'],
    en: [
      'software subscription {subj} {sym}',
      'VPN service invoice is wrong',
      'the system {subj} {sym}',
    ],
  },
};

const ZH_TYPOS: [string, string][] = [
  ['网络', '网洛'],
  ['打印机', '打印基'],
  ['密码', '密马'],
  ['登录', '登陆'],
  ['发票', '发漂'],
  ['报销', '报消'],
  ['空调', '空条'],
  ['闪退', '闪推'],
  ['账号', '帐户'],
  ['卡纸', '卡址'],
];

export interface GenerateOptions {
  seed?: number;
  perCategory?: number;
  /** Probability that a ticket mentions another category in passing. @default 0.35 */
  crossTalk?: number;
  /** Probability of a typo per ticket. @default 0.2 */
  typo?: number;
  /** Share of English tickets. @default 0.4 */
  english?: number;
  /** Probability that a symptom or subject is generic. @default 0.3 */
  generic?: number;
  /** Probability that the title is a cross-category confuser. @default 0.12 */
  confuser?: number;
  /** Probability that the label is wrong (human error in the source data). @default 0.03 */
  labelNoise?: number;
}

export function generateTickets(opts: GenerateOptions = {}): GeneratedTicket[] {
  const rnd = mulberry32(opts.seed ?? 1);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const crossTalk = opts.crossTalk ?? 0.35;
  const typoRate = opts.typo ?? 0.2;
  const english = opts.english ?? 0.4;
  const generic = opts.generic ?? 0.3;
  const confuser = opts.confuser ?? 0.12;
  const labelNoise = opts.labelNoise ?? 0.03;
  const out: GeneratedTicket[] = [];
  const n = opts.perCategory ?? 400;
  for (let i = 0; i < n; i++) {
    for (const label of CATEGORIES) {
      const v = V[label];
      const other = V[pick(CATEGORIES.filter((c) => c !== label))];
      const en = rnd() < english;
      const fill = (tpl: string, detail = ''): string =>
        tpl.replace(/\{(\w+)\}/g, (_, k: string) => {
          switch (k) {
            case 'subj':
              if (rnd() < generic / 2) return pick(en ? EN_GENERIC_SUBJ : ZH_GENERIC_SUBJ);
              return pick(en ? v.enSubj : v.zhSubj);
            case 'sym':
              if (rnd() < generic) return pick(en ? EN_GENERIC_SYM : ZH_GENERIC_SYM);
              return pick(en ? v.enSym : v.zhSym);
            case 'loc':
              return pick(en ? EN_LOC : ZH_LOC);
            case 'when':
              return pick(en ? EN_WHEN : ZH_WHEN);
            case 'who':
              return pick(en ? EN_WHO : ZH_WHO);
            case 'dept':
              return pick(en ? EN_DEPT : ZH_DEPT);
            case 'filler':
              return pick(en ? EN_FILLER : ZH_FILLER).replace(
                '{num}',
                String(1000 + Math.floor(rnd() * 9000)),
              );
            case 'num':
              return String(1000 + Math.floor(rnd() * 9000));
            case 'detail':
              return detail;
            case 'aside':
              return rnd() < crossTalk
                ? pick(en ? other.enAside : other.zhAside)
                : pick(en ? v.enAside : v.zhAside);
            default:
              return k;
          }
        });
      let title = fill(
        rnd() < confuser
          ? pick(en ? CONFUSERS[label].en : CONFUSERS[label].zh)
          : pick(en ? EN_TEMPLATES : ZH_TEMPLATES),
      );
      const detail = en
        ? `${pick(v.enSubj)} ${pick(v.enSym)}`
        : `${pick(v.zhSubj)}${pick(v.zhSym)}`;
      let description = rnd() < 0.85 ? fill(pick(en ? EN_DESC : ZH_DESC), detail) : '';
      if (rnd() < typoRate) {
        if (en) title = typoEn(title, rnd);
        else {
          const [from, to] = pick(ZH_TYPOS);
          title = title.replace(from, to);
          description = description.replace(from, to);
        }
      }
      if (en && rnd() < 0.3) title = title.toUpperCase();
      out.push({
        title,
        description,
        label: rnd() < labelNoise ? pick(CATEGORIES) : label,
        resolution: pick(v.causes),
        text: `${title}\n${description}`,
      });
    }
  }
  return out;
}

/** Swaps two adjacent letters inside one longer word. */
function typoEn(s: string, rnd: () => number): string {
  const words = s.split(' ');
  const candidates = words.map((w, i) => (/^[A-Za-z]{5,}$/.test(w) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return s;
  const wi = candidates[Math.floor(rnd() * candidates.length)]!;
  const w = words[wi]!;
  const at = 1 + Math.floor(rnd() * (w.length - 3));
  words[wi] = w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2);
  return words.join(' ');
}

/**
 * The keyword rules a team would write for these categories: the common words in both languages,
 * the most specific categories first (weights), and exclusions for confusions seen in practice.
 */
export const KEYWORD_RULES: ClassificationRule[] = [
  {
    name: 'billing',
    when: {
      any: [
        '发票',
        '账单',
        '扣费',
        '费用',
        '付款',
        '报销',
        '退款',
        '对账',
        '开票',
        '充值',
        'invoice',
        'bill',
        'refund',
        'payment',
        'reimbursement',
        'charged',
        'charge',
        'VAT',
      ],
    },
    set: { category: 'billing' },
    weight: 6,
  },
  {
    name: 'account',
    when: {
      any: [
        '密码',
        '账号',
        '帐号',
        '登录',
        '登陆',
        '验证码',
        '权限',
        '锁定',
        'password',
        'account',
        'login',
        'log in',
        'MFA',
        '2FA',
        'SSO',
        'locked out',
        'credentials',
        'access denied',
      ],
    },
    set: { category: 'account' },
    weight: 5,
  },
  {
    name: 'printer-and-devices',
    when: {
      any: [
        '打印机',
        '复印机',
        '扫描仪',
        '显示器',
        '键盘',
        '鼠标',
        '投影仪',
        '硒鼓',
        '墨盒',
        '卡纸',
        '黑屏',
        '开不了机',
        'printer',
        'scanner',
        'monitor',
        'keyboard',
        'mouse',
        'projector',
        'toner',
        'jammed',
        'laptop',
      ],
    },
    set: { category: 'hardware' },
    weight: 4,
  },
  {
    name: 'facility',
    when: {
      any: [
        '空调',
        '电梯',
        '照明',
        '插座',
        '漏水',
        '门禁',
        '停电',
        '跳闸',
        '配电',
        '暖气',
        'air conditioning',
        'elevator',
        'lights',
        'outlet',
        'leak',
        'power outage',
        'breaker',
        'heating',
      ],
    },
    set: { category: 'facility' },
    weight: 3,
  },
  {
    name: 'software',
    when: {
      any: [
        '软件',
        '系统',
        '闪退',
        '报错',
        '安装',
        '更新',
        '卡死',
        'Excel',
        'Outlook',
        'Office',
        'ERP',
        'crash',
        'install',
        'error',
        'update',
        'freezes',
        'Teams',
      ],
    },
    set: { category: 'software' },
    weight: 2,
  },
  {
    name: 'network',
    when: {
      any: [
        '网络',
        '上网',
        'WiFi',
        '无线',
        '内网',
        '外网',
        'VPN',
        '网线',
        '宽带',
        '路由器',
        '掉线',
        'network',
        'internet',
        'router',
        'ethernet',
        'DNS',
        'connection',
      ],
    },
    set: { category: 'network' },
    weight: 1,
  },
];

/** The category keyword rules give for a ticket, or undefined when none fires. */
export function ruleLabel(
  classify: (i: { title: string; description: string }) => { category?: string },
  t: GeneratedTicket,
): string | undefined {
  return classify({ title: t.title, description: t.description }).category;
}
