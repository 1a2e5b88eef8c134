/** @internal Streaming text decoding with BOM → strict UTF-8 → fallback detection (M1). */
import { ValidationError } from '../errors/index';

// Node's ICU 'gbk' decoder rejects GB18030 four-byte sequences, while WHATWG says the GBK
// decoder *is* the GB18030 decoder. Map the family onto gb18030 so GBK files with a rare
// four-byte character still decode.
const GB_FAMILY = new Set(['gbk', 'gb2312', 'x-gbk', 'cp936', 'gb18030', 'chinese', 'csgb2312']);

// Enough bytes after the first non-ASCII byte to tell UTF-8 from a legacy encoding with
// confidence, yet bounded so detection never buffers a whole file.
const SNIFF_WINDOW = 64 * 1024;

interface Decoder {
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}

// Node (through at least v20) decodes the "windows-1252" label as ISO-8859-1, turning € (0x80)
// into U+0080. Windows-1252 is single-byte, so patching the 0x80-0x9F block by table is exact.
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const C1 = /[\u0080-\u009f]/g;

class Cp1252Decoder implements Decoder {
  private readonly latin1 = new TextDecoder('latin1');
  decode(input?: Uint8Array): string {
    if (!input) return '';
    return this.latin1.decode(input).replace(C1, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
  }
}

function makeDecoder(enc: string, fatal: boolean): Decoder {
  if (enc === 'windows-1252') return new Cp1252Decoder();
  return new TextDecoder(enc, { fatal, ignoreBOM: false });
}

/** @internal */
export function canonicalEncoding(label: string): string {
  const l = label.trim().toLowerCase();
  if (GB_FAMILY.has(l)) return 'gb18030';
  try {
    return new TextDecoder(l).encoding;
  } catch {
    throw new ValidationError(
      [
        {
          code: 'encoding_error',
          path: ['encoding'],
          message: `Unknown encoding "${label}". Use a WHATWG label such as "utf-8", "gb18030", "shift_jis" or "windows-1252".`,
        },
      ],
      { code: 'encoding_error', context: 'Import' },
    );
  }
}

function encodingError(candidates: string[], detail: string): ValidationError {
  return new ValidationError(
    [
      {
        code: 'encoding_error',
        path: [],
        message: `${detail} Tried: ${candidates.join(', ')}. Save the file as UTF-8, or pass { encoding } (e.g. "shift_jis") or { fallbackEncoding }.`,
      },
    ],
    { code: 'encoding_error', context: 'Import' },
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function firstNonAscii(b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return i;
  return -1;
}

/** @internal Decodes a byte stream chunk by chunk, detecting the encoding on the way. */
export class StreamDecoder {
  /** Undefined while only ASCII has been seen (then any ASCII-compatible guess is right). */
  encoding: string | undefined;
  private decoder: Decoder | undefined;
  private pending: Uint8Array = new Uint8Array(0);
  private bomChecked = false;
  private readonly ascii = new TextDecoder('utf-8');

  constructor(
    forced: string | undefined,
    private readonly fallback: string | null,
  ) {
    if (forced !== undefined) this.commit(canonicalEncoding(forced));
  }

  private commit(enc: string): void {
    this.encoding = enc;
    // Not fatal: after detection, a stray bad byte becomes U+FFFD and the row validator flags
    // that cell, instead of one byte failing the whole import with no row number.
    this.decoder = makeDecoder(enc, false);
  }

  /** Decodes one chunk; throws `ValidationError(encoding_error)` when detection fails. */
  decode(chunk: Uint8Array): string {
    if (this.decoder) return this.decoder.decode(chunk, { stream: true });
    return this.detect(concat(this.pending, chunk), false);
  }

  /** Flushes whatever is buffered at the end of input. */
  end(): string {
    if (this.decoder) return this.decoder.decode();
    const out = this.detect(this.pending, true);
    return out + (this.decoder ? (this.decoder as Decoder).decode() : '');
  }

  private detect(bytes: Uint8Array, final: boolean): string {
    if (!this.bomChecked) {
      if (bytes.length < 3 && !final) {
        this.pending = bytes;
        return '';
      }
      this.bomChecked = true;
      const [a, b, c] = bytes;
      let bom: string | undefined;
      if (a === 0xef && b === 0xbb && c === 0xbf) bom = 'utf-8';
      else if (a === 0xff && b === 0xfe) bom = 'utf-16le';
      else if (a === 0xfe && b === 0xff) bom = 'utf-16be';
      if (bom) {
        this.pending = new Uint8Array(0);
        this.commit(bom);
        return this.decoder!.decode(bytes, { stream: !final });
      }
    }
    const i = firstNonAscii(bytes);
    if (i === -1) {
      this.pending = new Uint8Array(0);
      return this.ascii.decode(bytes);
    }
    if (!final && bytes.length - i < SNIFF_WINDOW) {
      // Keep the ASCII prefix flowing; hold only the undecided tail.
      this.pending = bytes.subarray(i);
      return i > 0 ? this.ascii.decode(bytes.subarray(0, i)) : '';
    }
    const prefix = i > 0 ? this.ascii.decode(bytes.subarray(0, i)) : '';
    const rest = bytes.subarray(i);
    this.pending = new Uint8Array(0);
    const tried = ['utf-8'];
    if (strictlyValid('utf-8', rest, final)) this.commit('utf-8');
    else if (this.fallback === null) {
      throw encodingError(tried, 'The file is not valid UTF-8 and has no byte-order mark.');
    } else {
      const fb = canonicalEncoding(this.fallback);
      tried.push(fb);
      if (!strictlyValid(fb, rest, final)) {
        throw encodingError(
          tried,
          `The file is neither valid UTF-8 nor valid ${fb} (the fallback encoding).`,
        );
      }
      this.commit(fb);
    }
    return prefix + this.decoder!.decode(rest, { stream: !final });
  }
}

function strictlyValid(enc: string, bytes: Uint8Array, final: boolean): boolean {
  try {
    // stream: true tolerates a character cut at the window's end.
    makeDecoder(enc, true).decode(bytes, { stream: !final });
    return true;
  } catch {
    return false;
  }
}
