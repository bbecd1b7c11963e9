// A horizontal bar chart as a self-contained SVG (no dependency), readable in a GitHub README:
// light background, ~700 px wide, a value at the end of every bar. Groups of bars, each group
// scaled to its own largest value.

export interface Bar {
  label: string;
  /** undefined: not measured (drawn as "n/a", or the note). */
  value: number | undefined;
  kind: 'ours' | 'anchor' | 'python';
  note?: string | undefined;
}

export interface BarChart {
  title: string;
  subtitle: string;
  unit: string;
  groups: { label: string; bars: Bar[] }[];
  footer?: string;
  /** The legend's words per kind (default: ours, other Node pools, Python). */
  legend?: [Bar['kind'], string][];
}

const WIDTH = 720;
const LABEL_RIGHT = 240; // bar labels end here, bars start just after
const BAR_LEFT = 250;
const BAR_MAX = 375; // room for the value label after the longest bar
const BAR_HEIGHT = 18;
const ROW = 26;
const FONT = "font-family=\"-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\"";
const COLORS: Record<Bar['kind'], string> = { ours: '#2563eb', anchor: '#9ca3af', python: '#e0a100' };
const LEGEND: [Bar['kind'], string][] = [
  ['ours', 'multiprocessing-ts (ours)'],
  ['anchor', 'other Node pools'],
  ['python', 'Python multiprocessing'],
];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function barChart(chart: BarChart): string {
  const out: string[] = [];
  let y = 30;
  out.push(`<text x="20" y="${y}" font-size="17" font-weight="600" fill="#111827">${escape(chart.title)}</text>`);
  y += 20;
  out.push(`<text x="20" y="${y}" font-size="12.5" fill="#4b5563">${escape(chart.subtitle)}</text>`);
  y += 22;
  let x = 20;
  for (const [kind, label] of chart.legend ?? LEGEND) {
    out.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" rx="2" fill="${COLORS[kind]}"/>`);
    out.push(`<text x="${x + 18}" y="${y}" font-size="12" fill="#374151">${escape(label)}</text>`);
    x += 18 + label.length * 6.6 + 22;
  }
  y += 14;
  for (const group of chart.groups) {
    y += 22;
    out.push(`<text x="20" y="${y}" font-size="13" font-weight="600" fill="#111827">${escape(group.label)}</text>`);
    y += 10;
    const digits = Math.max(...group.bars.map((b) => b.value ?? 0)) < 100 ? 1 : 0;
    const max = Math.max(...group.bars.map((b) => b.value ?? 0), 1);
    for (const bar of group.bars) {
      const mid = y + ROW / 2;
      const weight = bar.kind === 'ours' ? ' font-weight="600"' : '';
      out.push(`<text x="${LABEL_RIGHT}" y="${mid + 4}" font-size="12.5" text-anchor="end" fill="#1f2937"${weight}>${escape(bar.label)}</text>`);
      if (bar.value === undefined || !Number.isFinite(bar.value)) {
        out.push(`<text x="${BAR_LEFT}" y="${mid + 4}" font-size="12" fill="#6b7280">${escape(bar.note ?? 'n/a')}</text>`);
      } else {
        const w = Math.max(2, (bar.value / max) * BAR_MAX);
        out.push(`<rect x="${BAR_LEFT}" y="${mid - BAR_HEIGHT / 2}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" rx="2" fill="${COLORS[bar.kind]}"/>`);
        out.push(`<text x="${(BAR_LEFT + w + 6).toFixed(1)}" y="${mid + 4}" font-size="12" fill="#111827"${weight}>${format(bar.value, digits)}</text>`);
      }
      y += ROW;
    }
  }
  y += 10;
  if (chart.footer !== undefined) {
    y += 14;
    out.push(`<text x="20" y="${y}" font-size="11" fill="#6b7280">${escape(chart.footer)}</text>`);
  }
  y += 16;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" role="img" aria-label="${escape(chart.title)}">`,
    `<title>${escape(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    `<g ${FONT}>`,
    ...out.map((line) => `  ${line}`),
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}
