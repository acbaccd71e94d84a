// A PNG encoder for 8-bit RGB images, with its own DEFLATE compressor (LZ77 with hash chains,
// fixed Huffman codes). Written here rather than calling node:zlib because zlib builds differ
// (Node bundles Chromium's fork, whose output can change with the version and CPU features):
// this one gives the same bytes for the same pixels on every machine and Node version, so a
// notebook's stored chart images never churn. Any PNG decoder reads the result.

/** CRC-32 (IEEE) table, as PNG chunks use it. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 of bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Adler-32 of bytes (the zlib stream's checksum). */
function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) { a += bytes[i]!; b += a; }
    a %= 65521; b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Appends bits LSB first into a growing byte buffer. */
class BitWriter {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private acc = 0;
  private n = 0;

  /** Write the low `count` bits of `value` (count <= 24), least significant first. */
  bits(value: number, count: number): void {
    this.acc |= value << this.n;
    this.n += count;
    while (this.n >= 8) { this.byte(this.acc & 0xff); this.acc >>>= 8; this.n -= 8; }
  }

  /** Append one whole byte. */
  private byte(b: number): void {
    if (this.len === this.buf.length) { const next = new Uint8Array(this.buf.length * 2); next.set(this.buf); this.buf = next; }
    this.buf[this.len++] = b;
  }

  /** The bytes written, the last one padded with zero bits. */
  finish(): Uint8Array {
    if (this.n > 0) this.bits(0, 8 - this.n);
    return this.buf.subarray(0, this.len);
  }
}

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** For each match length 3..258, the index into LEN_BASE of its length code. */
const LEN_CODE = new Uint8Array(259);
for (let c = 0; c < LEN_BASE.length; c++) for (let l = LEN_BASE[c]!; l < (LEN_BASE[c + 1] ?? 259); l++) LEN_CODE[l] = c;
LEN_CODE[258] = 28;

/** The bits of `code` (`count` of them) in reverse order: DEFLATE sends Huffman codes MSB first. */
function reverse(code: number, count: number): number {
  let r = 0;
  for (let i = 0; i < count; i++) r |= ((code >>> i) & 1) << (count - 1 - i);
  return r;
}

/** DEFLATE's fixed Huffman code of each literal/length symbol 0-287, reversed, and its length. */
const FIXED_LEN = Uint8Array.from({ length: 288 }, (_, s) => (s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8));
const FIXED_CODE = Uint16Array.from({ length: 288 }, (_, s) =>
  reverse(s < 144 ? 0x30 + s : s < 256 ? 0x190 + s - 144 : s < 280 ? s - 256 : 0xc0 + s - 280, FIXED_LEN[s]!));
/** The fixed 5-bit distance codes 0-29, reversed. */
const DIST_CODE = Uint8Array.from({ length: 30 }, (_, d) => reverse(d, 5));

/** Write literal/length symbol s (0-287) with DEFLATE's fixed Huffman code. */
function fixedSymbol(w: BitWriter, s: number): void {
  w.bits(FIXED_CODE[s]!, FIXED_LEN[s]!);
}

/** Write one match (length 3-258, distance 1-32768). */
function writeMatch(w: BitWriter, length: number, distance: number): void {
  const lc = LEN_CODE[length]!;
  fixedSymbol(w, 257 + lc);
  if (LEN_EXTRA[lc]) w.bits(length - LEN_BASE[lc]!, LEN_EXTRA[lc]!);
  let dc = 0;
  while (dc < 29 && DIST_BASE[dc + 1]! <= distance) dc++;
  w.bits(DIST_CODE[dc]!, 5);
  if (DIST_EXTRA[dc]) w.bits(distance - DIST_BASE[dc]!, DIST_EXTRA[dc]!);
}

const WINDOW = 32768, HASH_BITS = 15, MAX_MATCH = 258;
/** Search effort: at most this many earlier positions per match, and stop at a match this long (zlib's max_chain, nice_length). */
const MAX_CHAIN = 24, NICE_MATCH = 96;

/** The zlib stream (RFC 1950) of data: one DEFLATE block with fixed codes, greedy LZ77 matching. */
export function deflate(data: Uint8Array): Uint8Array {
  const w = new BitWriter();
  w.bits(0x78, 8); w.bits(0x01, 8); // CM 8, 32K window; FLEVEL 0; 0x7801 % 31 == 0
  w.bits(1, 1); w.bits(1, 2); // BFINAL, BTYPE 01: fixed Huffman
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(WINDOW);
  const hash = (i: number): number => Math.imul((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!, 0x9e3779b1) >>> (32 - HASH_BITS);
  const insert = (i: number): void => { if (i + 2 < data.length) { const h = hash(i); prev[i & (WINDOW - 1)] = head[h]!; head[h] = i; } };
  let i = 0;
  while (i < data.length) {
    let bestLen = 0, bestDist = 0;
    if (i + 2 < data.length) {
      const limit = Math.min(MAX_MATCH, data.length - i);
      let cand = head[hash(i)]!;
      for (let chain = 0; cand >= 0 && i - cand <= WINDOW && chain < MAX_CHAIN; chain++) {
        let l = 0;
        while (l < limit && data[cand + l] === data[i + l]) l++;
        if (l > bestLen) { bestLen = l; bestDist = i - cand; if (l >= NICE_MATCH) break; }
        const next = prev[cand & (WINDOW - 1)]!;
        if (next >= cand) break;
        cand = next;
      }
    }
    if (bestLen >= 3) {
      writeMatch(w, bestLen, bestDist);
      // Long matches (runs of background) index only their ends: fast, and loses little.
      if (bestLen <= 16) for (let k = 0; k < bestLen; k++) insert(i + k);
      else { insert(i); insert(i + 1); insert(i + bestLen - 2); insert(i + bestLen - 1); }
      i += bestLen;
    } else {
      fixedSymbol(w, data[i]!);
      insert(i);
      i++;
    }
  }
  fixedSymbol(w, 256);
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, adler32(data));
  return out;
}

/** Filter the image's rows (PNG filter types 0-2, chosen per row by the smallest absolute sum). */
function filterRows(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const stride = width * 3;
  const out = new Uint8Array(height * (stride + 1));
  const cand = [new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride)];
  const score = (c: Uint8Array): number => { let sum = 0; for (let i = 0; i < c.length; i++) { const v = c[i]!; sum += v < 128 ? v : 256 - v; } return sum; };
  for (let y = 0; y < height; y++) {
    const at = y * stride;
    const [none, sub, up] = cand as [Uint8Array, Uint8Array, Uint8Array];
    none.set(rgb.subarray(at, at + stride));
    for (let i = 0; i < stride; i++) sub[i] = rgb[at + i]! - (i >= 3 ? rgb[at + i - 3]! : 0);
    for (let i = 0; i < stride; i++) up[i] = rgb[at + i]! - (y > 0 ? rgb[at - stride + i]! : 0);
    let best = 0, bestSum = Infinity;
    cand.forEach((c, f) => { const sum = score(c); if (sum < bestSum) { bestSum = sum; best = f; } });
    out[y * (stride + 1)] = best;
    out.set(cand[best]!, y * (stride + 1) + 1);
  }
  return out;
}

/** One PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG file of a width x height RGB image (rgb: 3 bytes per pixel, rows top to bottom). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  if (rgb.length !== width * height * 3) throw new RangeError(`encodePng: ${rgb.length} bytes is not ${width}x${height} RGB`);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width); v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filtering, no interlace
  const parts = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflate(filterRows(width, height, rgb))), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
