// The trend chart: counts per day, week or month stacked by event type, fatalities as a line (Chart.js).

import { fetchHistogram } from './api.js';
import { typeColour } from './symbols.js';

const number = new Intl.NumberFormat('en');
const DAY_MS = 86400000;

/** The interval that gives a readable chart for a span of dates: day, week or month. */
export function autoInterval(first, last) {
  const days = first && last ? (Date.parse(last) - Date.parse(first)) / DAY_MS : Infinity;
  if (days <= 92) return 'day';
  return days <= 730 ? 'week' : 'month';
}

/** The last day of a bucket that starts on `start` (YYYY-MM-DD). */
export function bucketEnd(start, interval) {
  const day = new Date(`${start}T00:00:00Z`);
  if (interval === 'month') day.setUTCMonth(day.getUTCMonth() + 1);
  else day.setUTCDate(day.getUTCDate() + (interval === 'week' ? 7 : 1));
  return new Date(day.getTime() - DAY_MS).toISOString().slice(0, 10);
}

/** Sum several layers' histograms (same interval) bucket by bucket. */
function merge(answers, interval) {
  const buckets = new Map();
  for (const answer of answers) {
    for (const b of answer.buckets) {
      const into = buckets.get(b.start) || { start: b.start, count: 0, fatalities: 0, by_type: {} };
      into.count += b.count;
      into.fatalities += b.fatalities;
      for (const [kind, n] of Object.entries(b.by_type)) into.by_type[kind] = (into.by_type[kind] || 0) + n;
      buckets.set(b.start, into);
    }
  }
  const sorted = [...buckets.values()].sort((a, b) => a.start.localeCompare(b.start));
  return { interval, buckets: sorted, numberMatched: sorted.reduce((n, b) => n + b.count, 0) };
}

function datasets(histogram, types) {
  const bars = types.map((kind) => ({
    type: 'bar', label: kind, stack: 'types', yAxisID: 'y', backgroundColor: typeColour(kind),
    data: histogram.buckets.map((b) => b.by_type[kind] || 0),
  }));
  const line = {
    type: 'line', label: 'Fatalities', yAxisID: 'fatalities', borderColor: '#1d2731',
    backgroundColor: '#1d2731', pointRadius: 0, borderWidth: 1.5, data: histogram.buckets.map((b) => b.fatalities),
  };
  return [...bars, line];
}

function chartOptions(onBar) {
  return {
    animation: false, responsive: true, maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    scales: {
      x: { stacked: true, ticks: { maxTicksLimit: 6, maxRotation: 0 } },
      y: { stacked: true, beginAtZero: true, title: { display: true, text: 'incidents' } },
      fatalities: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'fatalities' } },
    },
    plugins: { legend: { display: false } },
    onClick: (event, elements) => { if (elements.length) onBar(elements[0].index); },
  };
}

/**
 * The chart in `section` (a canvas, an interval picker, a summary line). `onPick(start, end)`
 * is called with a bar's first and last day when the user clicks it.
 */
export function createTrends(section, eventTypes, onPick) {
  const canvas = section.querySelector('canvas');
  const picker = section.querySelector('select');
  const summary = section.querySelector('.trend-summary');
  const Chart = window.Chart;
  let chart = null;
  let shown = null;
  let controller = null;
  let last = null;
  const pickBar = (index) => {
    const bucket = shown.buckets[index];
    onPick(bucket.start, bucketEnd(bucket.start, shown.interval));
  };
  function draw(histogram) {
    shown = histogram;
    const labels = histogram.buckets.map((b) => b.start);
    if (!chart) {
      chart = new Chart(canvas, { data: { labels, datasets: datasets(histogram, eventTypes) }, options: chartOptions(pickBar) });
    } else {
      chart.data.labels = labels;
      chart.data.datasets = datasets(histogram, eventTypes);
      chart.update();
    }
    const busiest = histogram.buckets.reduce((a, b) => (b.count > (a ? a.count : -1) ? b : a), null);
    summary.textContent = histogram.buckets.length === 0 ? 'No incidents match the filters.'
      : `${number.format(histogram.numberMatched)} incidents per ${histogram.interval} from ${labels[0]} to ${labels[labels.length - 1]}; `
        + `most in the ${histogram.interval} of ${busiest.start} (${number.format(busiest.count)}). Pick a bar to filter to its dates.`;
    section.dataset.buckets = String(histogram.buckets.length);
    section.dataset.total = String(histogram.numberMatched);
  }
  /** Redraw for API filters (null: nothing matches) over the given incident layers. */
  async function update(layerIds, filters, extent) {
    last = { layerIds, filters, extent };
    if (controller) controller.abort();
    controller = new AbortController();
    const params = new URLSearchParams(filters || {});
    const interval = picker.value === 'auto'
      ? autoInterval(params.get('start') || extent[0], params.get('end') || extent[1]) : picker.value;
    params.set('interval', interval);
    const answers = filters === null ? [] : await Promise.all(
      layerIds.map((id) => fetchHistogram(id, params, controller.signal)));
    draw(merge(answers, interval));
  }
  picker.addEventListener('change', () => {
    if (last) update(last.layerIds, last.filters, last.extent).catch(() => {});
  });
  return { update };
}
