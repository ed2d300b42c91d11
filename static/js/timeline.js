// The time slider and its play button: a window of `step` days whose last day the slider sets.

const DAY_MS = 86400000;
const PLAY_INTERVAL_MS = 1500;
const SLIDE_DELAY_MS = 200;

function toDay(text) {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) ? Math.round(ms / DAY_MS) : null;
}

function toText(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function stepDays(t) {
  return Number(t.step.value) || 1;
}

function showLabel(t) {
  const { start, end } = t;
  const range = t.first === null ? '' : ` (data ${toText(t.first)} to ${toText(t.first + Number(t.slider.max))})`;
  t.label.value = start.value || end.value
    ? `Showing ${start.value || 'the start'} to ${end.value || 'the end'}`
    : `All dates${range}`;
}

/** Move the slider to the end date typed in (or to the end when there is none). */
function sync(t) {
  if (t.first === null) return;
  const day = toDay(t.end.value);
  t.slider.value = String(day === null ? Number(t.slider.max) : day - t.first);
  showLabel(t);
}

/** Set the date inputs to the window ending at the slider's day. */
function setWindow(t) {
  const last = t.first + Number(t.slider.value);
  t.end.value = toText(last);
  t.start.value = toText(Math.max(t.first, last - stepDays(t) + 1));
  showLabel(t);
}

function moveTo(t, value) {
  t.slider.value = String(Math.min(value, Number(t.slider.max)));
  setWindow(t);
  t.apply();
}

function stop(t) {
  clearInterval(t.timer);
  t.timer = null;
  t.play.textContent = 'Play';
  t.play.setAttribute('aria-pressed', 'false');
}

function tick(t) {
  if (Number(t.slider.value) >= Number(t.slider.max)) stop(t);
  else moveTo(t, Number(t.slider.value) + stepDays(t));
}

/** Play from the first window (or from where the slider is), or pause. */
function togglePlay(t) {
  if (t.timer) { stop(t); return; }
  if (t.first === null) return;
  t.play.textContent = 'Pause';
  t.play.setAttribute('aria-pressed', 'true');
  if (!t.end.value || Number(t.slider.value) >= Number(t.slider.max)) moveTo(t, stepDays(t) - 1);
  else tick(t);
  t.timer = setInterval(() => tick(t), PLAY_INTERVAL_MS);
}

function setExtent(t, firstText, lastText) {
  const first = toDay(firstText);
  const last = toDay(lastText);
  t.first = first === null || last === null ? null : first;
  t.slider.disabled = t.first === null;
  if (t.first === null) return;
  t.slider.max = String(Math.max(0, last - first));
  sync(t);
}

/**
 * Wire the slider, step select and play button to the form's start/end date inputs;
 * `apply()` is called whenever the timeline changed the dates.
 */
export function createTimeline(form, apply) {
  const t = {
    slider: form.querySelector('#f-time'), step: form.querySelector('#f-step'),
    play: form.querySelector('#f-play'), label: form.querySelector('#f-time-label'),
    start: form.elements.namedItem('start'), end: form.elements.namedItem('end'),
    first: null, timer: null, slideTimer: null, apply,
  };
  t.slider.addEventListener('input', () => {
    if (t.first === null) return;
    setWindow(t);
    clearTimeout(t.slideTimer);
    t.slideTimer = setTimeout(apply, SLIDE_DELAY_MS);
  });
  t.play.addEventListener('click', () => togglePlay(t));
  for (const input of [t.start, t.end]) input.addEventListener('change', () => sync(t));
  form.addEventListener('reset', () => { stop(t); setTimeout(() => sync(t), 0); });
  return {
    /** The dates the data spans, as YYYY-MM-DD texts (null when unknown). */
    setExtent: (firstText, lastText) => setExtent(t, firstText, lastText),
    stop: () => stop(t),
  };
}
