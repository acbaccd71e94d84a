// Charts as PNG images, for the image/png a notebook stores beside a chart's data so GitHub and
// nbviewer show it. Draws the scene of chart-layout.ts (the same layout the SVG export draws)
// into an RGB buffer: anti-aliased lines and dots by pixel coverage, filled rectangles, and text
// in the shipped 6x13 bitmap font; then encodes it with png.ts. Only IEEE arithmetic and no
// system font or native code, so the same chart gives the same bytes on every machine.
import type { ChartSpec } from '../../src-engine/lab/chart';
import { layoutChart, CHAR_W, type Scene, type Shape } from './chart-layout';
import { glyph, GLYPH_ASCENT, GLYPH_HEIGHT } from './font-6x13';
import { encodePng } from './png';

/** An RGB canvas and a coverage mask for drawing one series without darkening its joints. */
class Canvas {
  readonly rgb: Uint8Array;
  private readonly mask: Float32Array;
  private box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };

  constructor(readonly width: number, readonly height: number) {
    this.rgb = new Uint8Array(width * height * 3).fill(255);
    this.mask = new Float32Array(width * height);
  }

  /** Blend colour (r, g, b) over pixel (x, y) with opacity a (0..1); outside the canvas: nothing. */
  blend(x: number, y: number, r: number, g: number, b: number, a: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || a <= 0) return;
    const i = (y * this.width + x) * 3, p = this.rgb;
    if (a >= 1) { p[i] = r; p[i + 1] = g; p[i + 2] = b; return; }
    p[i] = Math.round(p[i]! + (r - p[i]!) * a);
    p[i + 1] = Math.round(p[i + 1]! + (g - p[i + 1]!) * a);
    p[i + 2] = Math.round(p[i + 2]! + (b - p[i + 2]!) * a);
  }

  /** Raise the mask at (x, y) to coverage a (the maximum of what was asked). */
  cover(x: number, y: number, a: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || a <= 0) return;
    const i = y * this.width + x;
    if (a > this.mask[i]!) this.mask[i] = Math.min(1, a);
    const bx = this.box;
    if (x < bx.x0) bx.x0 = x; if (x > bx.x1) bx.x1 = x; if (y < bx.y0) bx.y0 = y; if (y > bx.y1) bx.y1 = y;
  }

  /** Paint the mask in colour onto the canvas, then clear it. */
  flush(color: [number, number, number]): void {
    const { x0, y0, x1, y1 } = this.box;
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
      const i = y * this.width + x;
      if (this.mask[i]! > 0) { this.blend(x, y, color[0], color[1], color[2], this.mask[i]!); this.mask[i] = 0; }
    }
    this.box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  }
}

/** '#rrggbb' as [r, g, b]. */
function rgbOf(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Distance from (px, py) to the segment (x1, y1)-(x2, y2). */
function segmentDistance(px: number, py: number, x1: number, y1: number, x2: number, y2: number): number {
  const dx = x2 - x1, dy = y2 - y1, len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len2));
  const ex = px - (x1 + t * dx), ey = py - (y1 + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

/**
 * Put a segment of `width` px with round ends into the mask: each pixel near it covered by how
 * far its centre lies inside the stroke (one pixel of soft edge).
 */
function coverSegment(cv: Canvas, x1: number, y1: number, x2: number, y2: number, width: number): void {
  const half = width / 2, reach = Math.ceil(half + 1);
  const steep = Math.abs(y2 - y1) > Math.abs(x2 - x1);
  // Walk the major axis; on each step only the pixels within reach of the line on the minor axis.
  const [a1, b1, a2, b2] = steep ? [y1, x1, y2, x2] : [x1, y1, x2, y2];
  const lo = Math.floor(Math.min(a1, a2) - reach), hi = Math.ceil(Math.max(a1, a2) + reach);
  const slope = a2 === a1 ? 0 : (b2 - b1) / (a2 - a1);
  const spread = Math.ceil(reach * Math.SQRT2) + 1;
  for (let a = lo; a <= hi; a++) {
    const at = Math.min(Math.max(a + 0.5, Math.min(a1, a2)), Math.max(a1, a2));
    const b = Math.floor(b1 + (at - a1) * slope);
    for (let m = b - spread; m <= b + spread; m++) {
      const [x, y] = steep ? [m, a] : [a, m];
      const d = segmentDistance(x + 0.5, y + 0.5, x1, y1, x2, y2);
      cv.cover(x, y, half + 0.5 - d);
    }
  }
}

/** Draw `text` with its anchor at x and baseline at y (or, vertical, reading upwards centred on y). */
function drawText(cv: Canvas, s: Extract<Shape, { t: 'text' }>): void {
  const [r, g, b] = rgbOf(s.color);
  const len = [...s.text].length * CHAR_W;
  const shift = s.anchor === 'start' ? 0 : s.anchor === 'middle' ? len / 2 : len;
  const start = Math.round((s.vertical ? s.y + shift : s.x - shift));
  const base = Math.round(s.vertical ? s.x : s.y);
  [...s.text].forEach((ch, k) => {
    const rows = glyph(ch, s.bold);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) for (let gx = 0; gx < CHAR_W; gx++) {
      if (!(rows[gy]! & (0x80 >> gx))) continue;
      if (s.vertical) cv.blend(base - GLYPH_ASCENT + gy, start - 1 - (k * CHAR_W + gx), r, g, b, 1);
      else cv.blend(start + k * CHAR_W + gx, base - GLYPH_ASCENT + gy, r, g, b, 1);
    }
  });
}

/** Draw one shape of a scene. */
function drawShape(cv: Canvas, s: Shape): void {
  if (s.t === 'text') return drawText(cv, s);
  if (s.t === 'rect') {
    const [r, g, b] = rgbOf(s.fill);
    const x0 = Math.round(s.x), y0 = Math.round(s.y), x1 = Math.round(s.x + s.w), y1 = Math.round(s.y + s.h);
    for (let y = y0; y < Math.max(y1, y0 + 1); y++) for (let x = x0; x < Math.max(x1, x0 + 1); x++) cv.blend(x, y, r, g, b, 1);
    if (s.stroke) {
      const [sr, sg, sb] = rgbOf(s.stroke);
      for (let x = x0; x <= x1; x++) { cv.blend(x, y0, sr, sg, sb, 1); cv.blend(x, y1, sr, sg, sb, 1); }
      for (let y = y0; y <= y1; y++) { cv.blend(x0, y, sr, sg, sb, 1); cv.blend(x1, y, sr, sg, sb, 1); }
    }
    return;
  }
  const color = rgbOf(s.color);
  if (s.t === 'line') coverSegment(cv, s.x1, s.y1, s.x2, s.y2, s.width);
  else if (s.t === 'path') for (let i = 2; i < s.points.length; i += 2) coverSegment(cv, s.points[i - 2]!, s.points[i - 1]!, s.points[i]!, s.points[i + 1]!, s.width);
  else {
    for (let y = Math.floor(s.y - s.r - 1); y <= Math.ceil(s.y + s.r + 1); y++) for (let x = Math.floor(s.x - s.r - 1); x <= Math.ceil(s.x + s.r + 1); x++) {
      cv.cover(x, y, s.r + 0.5 - Math.sqrt((x + 0.5 - s.x) ** 2 + (y + 0.5 - s.y) ** 2));
    }
  }
  cv.flush(color);
}

/** The RGB pixels of a scene (3 bytes per pixel, rows top to bottom). */
export function rasterize(scene: Scene): Uint8Array {
  const cv = new Canvas(scene.width, scene.height);
  for (const s of scene.shapes) drawShape(cv, s);
  return cv.rgb;
}

/** Chart c as a PNG file of width x height pixels. */
export function chartPng(c: ChartSpec, width = 640, height = 400): Uint8Array {
  return encodePng(width, height, rasterize(layoutChart(c, width, height)));
}

/** Chart c as a PNG in base64, the way nbformat stores image/png. */
export function chartPngBase64(c: ChartSpec): string {
  return Buffer.from(chartPng(c)).toString('base64');
}
