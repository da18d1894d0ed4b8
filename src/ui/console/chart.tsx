import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6', '#84cc16', '#64748b'];

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

/** Window ids (`202611221430`, `2026112214`, `20261122`) as short axis labels. */
export function windowLabel(id: string): string {
  if (id.length === 12) return `${id.slice(8, 10)}:${id.slice(10)}`;
  if (id.length === 10) return `${id.slice(6, 8)}/${id.slice(8)}h`;
  return `${id.slice(4, 6)}-${id.slice(6, 8)}`;
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** A line chart over the windows, redrawn when its data or theme changes and sized to its container. */
export function LineChart(props: { windows: string[]; series: ChartSeries[]; format: (value: number) => string; label: string; themeKey: string }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const text = cssVar('--muted');
    const grid = cssVar('--border');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: 240,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [
        { ...axis, values: (_, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? windowLabel(props.windows[tick] ?? '') : '')) },
        { ...axis, size: 60, values: (_, ticks) => ticks.map((tick) => props.format(tick)) },
      ],
      series: [{}, ...props.series.map((series, index) => ({ label: series.label, stroke: PALETTE[index % PALETTE.length], width: 2, spanGaps: false, points: { show: true, size: props.windows.length <= 31 ? 6 : 4 } }))],
    };
    const data: uPlot.AlignedData = [props.windows.map((_, index) => index), ...props.series.map((series) => series.values)];
    const plot = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, element.clientWidth), height: 240 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.windows, props.series, props.themeKey]);
  return (
    <figure style={{ margin: 0 }}>
      <div ref={container} class="chart" role="img" aria-label={props.label} />
      <figcaption class="small">
        {props.series.map((series, index) => (
          <span class="legend-chip" key={series.label}>
            <i style={{ background: PALETTE[index % PALETTE.length] }} />
            {series.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
