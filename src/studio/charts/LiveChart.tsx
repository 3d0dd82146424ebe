// A metrics chart over recharts: EMA smoothing and min/max downsampling (done by prepareChart, so
// thousands of steps stay smooth), a tooltip with the hovered step's raw and smoothed values, PNG
// and CSV export. Redraws go through the render queue, one chart per task, and only for charts on
// screen (an off-screen chart draws its newest data when it is scrolled into view). The chart is
// sized from a ResizeObserver rather than recharts' ResponsiveContainer (which renders twice), and
// the legend is plain HTML: each recharts component costs main-thread time on every redraw.
import { memo, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { Line, LineChart, Tooltip, XAxis, YAxis, type YAxisTickContentProps } from 'recharts';
import { downloadBlob, svgToPng } from './export-image.ts';
import { enqueueRender } from './render-queue.ts';
import { niceTicks, RAW, toCsv, yAxis, type ChartRow, type PreparedChart } from './series.ts';

export interface SeriesSpec {
  key: string;
  label: string;
  color: string;
}

export interface LiveChartProps {
  id: string;
  title: string;
  series: readonly SeriesSpec[];
  /** The values' known range (e.g. [0, 1] for a share): the y axis keeps it instead of zooming. */
  yRange?: readonly [number, number];
  /** From prepareChart(): only the points drawn, so re-renders stay cheap. */
  prepared: PreparedChart;
  smoothed: boolean;
  /** All rows, read only when exporting CSV (not a prop that changes per step). */
  allRows(): readonly ChartRow[];
  height?: number;
}

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4));

/** Short axis labels (3 significant digits) that fit the axis width. */
const tickFmt = (v: number) => (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(3))));
const TICK = { fontSize: 11, fontFamily: 'system-ui, sans-serif' }; // inline, so PNG exports keep it

const MARGIN = { top: 6, right: 12, bottom: 0, left: 0 };
const Y_AXIS_WIDTH = 48;

type YTickProps = Pick<YAxisTickContentProps, 'x' | 'y' | 'payload'>;

/**
 * A y tick label with its horizontal grid line across the plot: one SVG group per tick instead of
 * recharts' CartesianGrid, which cost more to mount than the lines themselves.
 */
function YTick({ x, y, payload, span }: YTickProps & { span: number }) {
  const px = Number(x);
  const py = Number(y);
  return (
    <g>
      <line x1={px + 8} x2={px + 8 + span} y1={py} y2={py} stroke="#eef0f5" />
      <text x={px} y={py} dy={4} textAnchor="end" style={{ ...TICK, fill: '#666' }}>{tickFmt(Number(payload?.value ?? 0))}</text>
    </g>
  );
}

/** Whole-step ticks over the drawn steps. */
function stepTicks(data: readonly ChartRow[]): { domain: [number, number]; ticks: number[] } {
  const first = data[0]?.step ?? 0;
  const last = data[data.length - 1]?.step ?? first;
  const ticks = last - first < 4 ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : niceTicks(first, last).filter((t) => Number.isInteger(t) && t >= first && t <= last);
  return { domain: [first, last], ticks };
}

/**
 * The recharts part; memoised so it re-renders only when the drawn data changes. Both axes get explicit
 * ticks (recharts' own tick search is its costliest part), the grid lines are drawn by the y ticks, and
 * the tooltip is mounted only once the pointer has been over the chart (`hovered`).
 */
const Plot = memo(function Plot({ data, series, yRange, smoothed, width, height, hovered }: { data: ChartRow[]; series: readonly SeriesSpec[]; yRange?: readonly [number, number]; smoothed: boolean; width: number; height: number; hovered: boolean }) {
  const byStep = useMemo(() => new Map(data.map((r) => [r.step, r])), [data]);
  const y = useMemo(() => yAxis(data, series.map((s) => s.key), yRange), [data, series, yRange]);
  const x = useMemo(() => stepTicks(data), [data]);
  return (
    <LineChart data={data} width={width} height={height} margin={MARGIN}>
      <XAxis dataKey="step" type="number" domain={x.domain} ticks={x.ticks} niceTicks="none" interval={0} tick={TICK} allowDecimals={false} />
      <YAxis tick={(p: YTickProps) => <YTick {...p} span={width - Y_AXIS_WIDTH - MARGIN.right} />} width={Y_AXIS_WIDTH} domain={y.domain} ticks={y.ticks} niceTicks="none" interval={0} />
      {hovered && <Tooltip
        isAnimationActive={false}
        content={({ active, label }) => {
          if (!active || label === undefined) return null;
          const step = Number(label);
          const point = byStep.get(step);
          return (
            <div className="chart-tooltip" role="tooltip">
              <strong>step {step}</strong>
              {series.map((s) => (
                <div key={s.key} style={{ color: s.color }}>
                  {s.label}: {fmt(point?.[RAW + s.key])}
                  {smoothed && <span className="muted"> (smoothed {fmt(point?.[s.key])})</span>}
                </div>
              ))}
            </div>
          );
        }}
      />}
      {series.map((s) => (
        <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} dot={false} isAnimationActive={false} connectNulls strokeWidth={1.6} />
      ))}
    </LineChart>
  );
});

/** Width of the element (ResizeObserver) and whether it is on or near the screen (IntersectionObserver). */
function useBoxState(box: RefObject<HTMLDivElement | null>): { width: number; visible: boolean } {
  const [width, setWidth] = useState(0);
  const [visible, setVisible] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const sizes = new ResizeObserver(([e]) => setWidth(Math.floor(e!.contentRect.width)));
    sizes.observe(el);
    const seen = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver(([e]) => setVisible(e!.isIntersecting), { rootMargin: '150px' });
    seen?.observe(el);
    return () => {
      sizes.disconnect();
      seen?.disconnect();
    };
  }, [box]);
  return { width, visible };
}

function LiveChartImpl({ id, title, series, yRange, prepared, smoothed, allRows, height = 190 }: LiveChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [exportError, setExportError] = useState<string>();
  const [hovered, setHovered] = useState(false);
  // Draw the newest prepared data in a task of this chart's own (see render-queue.ts).
  const [shown, setShown] = useState<{ prepared: PreparedChart; smoothed: boolean; width: number } | null>(null);
  const { width, visible } = useBoxState(box);
  const current = shown?.prepared === prepared && shown.smoothed === smoothed && shown.width === width;
  useEffect(() => {
    if (!visible || !width || current) return;
    return enqueueRender(() => flushSync(() => setShown({ prepared, smoothed, width })));
  }, [prepared, smoothed, width, visible, current]);
  const steps = prepared.steps;

  const exportPng = async () => {
    // The plot's own SVG (legend icons are small recharts-surface SVGs too).
    const svg = box.current?.querySelector<SVGSVGElement>('.recharts-wrapper > svg.recharts-surface');
    try {
      if (!svg) throw new Error('the chart is not drawn yet');
      downloadBlob(await svgToPng(svg, { title, legend: series.map((s) => ({ label: s.label, color: s.color })) }), `${id}.png`);
      setExportError(undefined);
    } catch (e) {
      setExportError((e as Error).message);
    }
  };
  const exportCsv = () => {
    const keys = series.map((s) => s.key);
    const rows = allRows().filter((r) => keys.some((k) => Number.isFinite(r[k])));
    const csv = toCsv([{ key: 'step', label: 'step' }, ...series.map((s) => ({ key: s.key, label: s.key }))], rows);
    downloadBlob(new Blob([csv], { type: 'text/csv' }), `${id}.csv`);
  };

  return (
    <figure className="chart" data-chart={id} data-drawn={current} data-points={shown?.prepared.data.length ?? 0} data-steps={steps}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-actions">
          <button type="button" onClick={() => void exportPng()} disabled={!steps} aria-label={`Export ${title} as PNG`}>PNG</button>
          <button type="button" onClick={exportCsv} disabled={!steps} aria-label={`Export ${title} as CSV`}>CSV</button>
        </span>
      </figcaption>
      {series.length > 1 && (
        <ul className="chart-legend">
          {series.map((s) => (
            <li key={s.key} style={{ color: s.color }}>{s.label}</li>
          ))}
        </ul>
      )}
      {exportError && <p className="error-text">{exportError}</p>}
      <div ref={box} style={{ height }} onPointerEnter={() => setHovered(true)}>
        {steps === 0 ? (
          <p className="muted chart-empty">no values yet</p>
        ) : !shown ? (
          <p className="muted chart-empty">{visible ? 'drawing…' : 'drawn when scrolled into view'}</p>
        ) : (
          <Plot data={shown.prepared.data} series={series} yRange={yRange} smoothed={shown.smoothed} width={shown.width} height={height} hovered={hovered} />
        )}
      </div>
    </figure>
  );
}

export const LiveChart = memo(LiveChartImpl);

/**
 * Draws one throw-away chart off screen — a mount, five redraws, the unmount — one step per idle period,
 * so that recharts' drawing code is compiled before a run's first charts mount (measured on the 2-core
 * test machine with SwiftShader training beside it: cold first mounts 70–140 ms, warm ones 20–40 ms).
 */
export function warmUpCharts(idle: (f: () => void) => void): void {
  if (typeof document === 'undefined') return;
  const el = document.createElement('div');
  el.setAttribute('aria-hidden', 'true');
  el.style.cssText = 'position:absolute;left:-10000px;top:0;width:400px;height:190px;overflow:hidden;visibility:hidden';
  document.body.appendChild(el);
  const root = createRoot(el);
  const series: SeriesSpec[] = [{ key: 'a', label: 'a', color: '#3b5bdb' }, { key: 'b', label: 'b', color: '#e8590c' }];
  const data = (n: number): ChartRow[] => Array.from({ length: n }, (_, i) => ({ step: i, a: Math.sin(i / 3), b: Math.cos(i / 5), [RAW + 'a']: Math.sin(i / 3), [RAW + 'b']: Math.cos(i / 5) }));
  const steps = [40, 41, 42, 43, 44, 45].map((n) => () => flushSync(() => root.render(<Plot data={data(n)} series={series} smoothed width={400} height={190} hovered={n === 45} />)));
  steps.push(() => {
    root.unmount();
    el.remove();
  });
  const next = () => {
    steps.shift()?.();
    if (steps.length) idle(next);
  };
  idle(next);
}
