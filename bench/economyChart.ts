// The chart of the economy bench: requests per task against p95 detection lag,
// one panel per population, every point labelled where it is drawn. A line
// joins the settings of one poller (a curve: `EconomyRow.curves`), ours solid,
// the alternatives' dashed, so that "ours on or below their curve" can be seen.
//
// The lag axis is logarithmic (lags run from under a second to minutes);
// points that fall on one spot are fanned out on a small ring, and each label
// takes the first free place around its point, moving further out (with a
// leader line) until it overlaps no other label, point or edge.
import type { EconomyRow } from './economy.bench.js';
import { formatNumber, formatSeconds } from './support/stats.js';

const WIDTH = 1000;
const HEIGHT = 680;
const TOP = 76;
const BOTTOM = 64;
const LEFT = 64;
const GAP = 36;
const RIGHT = 16;
const FONT = 11;
/** Width of one character at FONT px, a little generous so estimated boxes do not touch. */
const CHAR = 6;

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** How the text is anchored in its box: by the side nearest its point, so an estimate of its width never leaves a gap. */
  readonly anchor?: 'start' | 'middle' | 'end';
}

/** Ours in blues, the alternatives in warm colours; a curve takes the colour of its name, a point alone that of its poller. */
const OUR_COLOURS = ['#08306b', '#2171b5', '#5b9bd5', '#3a86c8', '#08519c', '#6baed6'];
const THEIR_COLOURS = ['#d62728', '#ff7f0e', '#8c564b', '#2ca02c', '#e377c2', '#7f7f7f'];

export function toSvg(rows: readonly EconomyRow[]): string {
  const points = rows.filter((row) => Number.isFinite(row.requestsPerTask) && Number.isFinite(row.p95LagMs) && row.p95LagMs > 0);
  const populations = [...new Set(rows.map((row) => row.population))];
  const isOurs = (row: EconomyRow) => row.poller.startsWith('rx-task-status');
  // A colour per curve (or per poller that is a point alone), ours and theirs counted apart.
  const keyOf = (row: EconomyRow) => row.curves?.[0] ?? row.poller;
  const ourKeys = [...new Set(rows.filter(isOurs).map(keyOf))];
  const theirKeys = [...new Set(rows.filter((row) => !isOurs(row)).map(keyOf))];
  const colourOfKey = (key: string) =>
    ourKeys.includes(key) ? (OUR_COLOURS[ourKeys.indexOf(key) % OUR_COLOURS.length] as string) : (THEIR_COLOURS[theirKeys.indexOf(key) % THEIR_COLOURS.length] as string);
  const curves = [...new Set(rows.flatMap((row) => row.curves ?? []))];
  const xTicks = linearTicks(Math.max(1, ...points.map((row) => row.requestsPerTask)));
  const yTicks = logTicks(Math.min(...points.map((row) => row.p95LagMs / 1000), 1), Math.max(...points.map((row) => row.p95LagMs / 1000), 1));
  const maxX = xTicks[xTicks.length - 1] as number;
  const [minY, maxY] = [yTicks[0] as number, yTicks[yTicks.length - 1] as number];
  const panelWidth = (WIDTH - LEFT - RIGHT - GAP * (populations.length - 1)) / Math.max(1, populations.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="${FONT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">Requests per task against p95 detection lag (lower left is better)</text>`,
    `<text x="${LEFT}" y="38" fill="#555">ours = rx-task-status; filled: ours, hollow: the alternatives. A line joins one poller's settings (ours solid, theirs dashed). Lag axis logarithmic.</text>`,
    `<text x="16" y="${(TOP + HEIGHT - BOTTOM) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(TOP + HEIGHT - BOTTOM) / 2})">p95 detection lag (s, log scale)</text>`,
  ];
  // The legend of the curves, in one row: a stroke of each, then its name.
  let legendX = LEFT;
  for (const curve of curves) {
    const ours = rows.some((row) => isOurs(row) && row.curves?.includes(curve) === true);
    parts.push(
      `<line x1="${legendX}" y1="52" x2="${legendX + 22}" y2="52" stroke="${colourOfKey(curve)}" stroke-width="2"${ours ? '' : ' stroke-dasharray="5 3"'}/>`,
      `<text x="${legendX + 26}" y="56" fill="${colourOfKey(curve)}">${escapeXml(curve)}</text>`,
    );
    legendX += 26 + curve.length * CHAR + 18;
  }
  populations.forEach((population, index) => {
    const left = LEFT + index * (panelWidth + GAP);
    const right = left + panelWidth;
    const bottom = HEIGHT - BOTTOM;
    const x = (value: number) => left + (value / maxX) * panelWidth;
    const y = (value: number) => bottom - ((Math.log10(value) - Math.log10(minY)) / (Math.log10(maxY) - Math.log10(minY))) * (bottom - TOP);
    parts.push(
      `<text x="${left}" y="${TOP - 6}" font-weight="bold">${population === 'mobizon' ? 'Mobizon tasks (progress reported)' : 'Postman collection tasks (no progress)'}</text>`,
      ...xTicks.map((tick) => `<line x1="${x(tick).toFixed(1)}" y1="${TOP}" x2="${x(tick).toFixed(1)}" y2="${bottom}" stroke="#eee"/><text x="${x(tick).toFixed(1)}" y="${bottom + 15}" text-anchor="middle">${round(tick)}</text>`),
      ...yTicks.map((tick) => `<line x1="${left}" y1="${y(tick).toFixed(1)}" x2="${right}" y2="${y(tick).toFixed(1)}" stroke="#eee"/>` + (index === 0 ? `<text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${round(tick)}</text>` : '')),
      `<rect x="${left}" y="${TOP}" width="${panelWidth.toFixed(1)}" height="${bottom - TOP}" fill="none" stroke="#333"/>`,
      `<text x="${((left + right) / 2).toFixed(1)}" y="${HEIGHT - 26}" text-anchor="middle">requests per task</text>`,
    );
    const mine = points.filter((row) => row.population === population);
    // The curves first, under the points.
    for (const curve of curves) {
      const along = mine.filter((row) => row.curves?.includes(curve) === true).sort((a, b) => a.requestsPerTask - b.requestsPerTask);
      if (along.length < 2) continue;
      const ours = along.some(isOurs);
      const path = along.map((row) => `${x(row.requestsPerTask).toFixed(1)},${y(row.p95LagMs / 1000).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${path}" fill="none" stroke="${colourOfKey(curve)}" stroke-width="1.5"${ours ? '' : ' stroke-dasharray="5 3"'}><title>${escapeXml(curve)}</title></polyline>`);
    }
    const placed = fanOut(mine.map((row) => ({ row, cx: x(row.requestsPerTask), cy: y(row.p95LagMs / 1000) })));
    const panel: Box = { x: left + 2, y: TOP + 2, w: panelWidth - 4, h: bottom - TOP - 4 };
    const taken: Box[] = placed.map(({ cx, cy }) => ({ x: cx - 6, y: cy - 6, w: 12, h: 12 }));
    for (const { row, cx, cy } of placed) {
      const colour = colourOfKey(keyOf(row));
      const ours = isOurs(row);
      const title = `${escapeXml(row.poller)} (${row.population}): ${formatNumber(row.requestsPerTask)} requests per task, p95 lag ${formatSeconds(row.p95LagMs)}; ${escapeXml(row.settings)}`;
      parts.push(`<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5" fill="${ours ? colour : '#fff'}" stroke="${colour}" stroke-width="2"><title>${title}</title></circle>`);
      const label = row.label;
      const box = placeLabel({ cx, cy, w: label.length * CHAR + 4, h: FONT + 3, taken, panel });
      taken.push(box);
      const [lx, ly] = nearestEdge(box, cx, cy);
      if (Math.hypot(lx - cx, ly - cy) > 9) parts.push(`<line x1="${cx.toFixed(1)}" y1="${cy.toFixed(1)}" x2="${lx.toFixed(1)}" y2="${ly.toFixed(1)}" stroke="${colour}" stroke-width="1"/>`);
      const anchor = box.anchor ?? 'start';
      const tx = anchor === 'start' ? box.x + 2 : anchor === 'end' ? box.x + box.w - 2 : box.x + box.w / 2;
      parts.push(`<text x="${tx.toFixed(1)}" y="${(box.y + box.h - 4).toFixed(1)}" text-anchor="${anchor}" fill="${colour}">${escapeXml(label)}<title>${title}</title></text>`);
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Points closer than a marker's width are spread on a ring around their centre, so that every colour shows. */
function fanOut<T extends { cx: number; cy: number }>(points: readonly T[]): T[] {
  const out = points.map((point) => ({ ...point }));
  const done = new Set<number>();
  out.forEach((point, index) => {
    if (done.has(index)) return;
    const cluster = out.flatMap((other, at) => (!done.has(at) && Math.hypot(other.cx - point.cx, other.cy - point.cy) < 8 ? [at] : []));
    cluster.forEach((at) => done.add(at));
    if (cluster.length < 2) return;
    const cx = cluster.reduce((sum, at) => sum + (out[at] as T).cx, 0) / cluster.length;
    const cy = cluster.reduce((sum, at) => sum + (out[at] as T).cy, 0) / cluster.length;
    const radius = 4 + 2 * cluster.length;
    cluster.forEach((at, turn) => {
      const angle = (2 * Math.PI * turn) / cluster.length - Math.PI / 2;
      Object.assign(out[at] as T, { cx: cx + radius * Math.cos(angle), cy: cy + radius * Math.sin(angle) });
    });
  });
  return out;
}

/** The first place around (cx, cy), nearest first, where a w × h label overlaps nothing taken and stays inside the panel. */
function placeLabel({ cx, cy, w, h, taken, panel }: { cx: number; cy: number; w: number; h: number; taken: readonly Box[]; panel: Box }): Box {
  // Right, left, above, below, then the diagonals; nearest first.
  const directions = [0, 180, -90, 90, -30, 30, 150, -150, -60, 60, 120, -120].map((degrees) => (degrees * Math.PI) / 180);
  const candidates: Box[] = [];
  for (let distance = 8; distance <= 260; distance += 9) {
    for (const angle of directions) {
      const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
      const [ax, ay] = [cx + distance * dx, cy + distance * dy];
      // Anchored by the side nearest the point, so the label grows away from it.
      const x = dx > 0.3 ? ax : dx < -0.3 ? ax - w : ax - w / 2;
      const y = dy > 0.3 ? ay : dy < -0.3 ? ay - h : ay - h / 2;
      candidates.push({ x, y, w, h, anchor: dx > 0.3 ? 'start' : dx < -0.3 ? 'end' : 'middle' });
    }
  }
  const fits = (box: Box) =>
    box.x >= panel.x && box.y >= panel.y && box.x + box.w <= panel.x + panel.w && box.y + box.h <= panel.y + panel.h && taken.every((other) => !overlaps(box, other));
  return candidates.find(fits) ?? (candidates[0] as Box);
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function nearestEdge(box: Box, cx: number, cy: number): [number, number] {
  return [Math.min(Math.max(cx, box.x), box.x + box.w), Math.min(Math.max(cy, box.y), box.y + box.h)];
}

/** 0, step, 2 step, … past `max`, with a step of 1, 2 or 5 × 10^n giving 5 to 10 intervals. */
export function linearTicks(max: number): number[] {
  const raw = max / 8;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((factor) => factor * magnitude >= raw) ?? 10) * magnitude;
  const count = Math.ceil(max / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, index) => Number((index * step).toPrecision(12)));
}

/** 1-2-5 steps of a log axis: from the last step at or below `min` to the first at or above `max`. */
export function logTicks(min: number, max: number): number[] {
  const steps: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)) - 1; (steps[steps.length - 1] ?? 0) < max; exponent++) {
    for (const factor of [1, 2, 5]) steps.push(Number((factor * 10 ** exponent).toPrecision(12)));
  }
  const first = steps.filter((step) => step <= min).length - 1;
  const last = steps.findIndex((step) => step >= max);
  return steps.slice(Math.max(0, first), last + 1);
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
