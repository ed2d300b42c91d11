// The words of a quote that decided an incident's place, date and type, marked with <mark>.

const DATE_WORDS = /\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|overnight|last (?:night|week|month)|(?:january|february|march|april|may|june|july|august|september|october|november|december)(?: \d{1,2})?|\d{1,2} (?:january|february|march|april|may|june|july|august|september|october|november|december))\b/gi;
/** Words that tell each event type, as a reader would pick them out of a report. */
const TYPE_WORDS = {
  Battles: /\b(?:clash\w*|fight\w*|battle\w*|attack\w*|ambush\w*|gunfight|exchange of fire|captur\w*|seiz\w*)\b/gi,
  'Explosions/Remote violence': /\b(?:drones?|air ?strikes?|strikes?|struck|shell\w*|artillery|rockets?|missiles?|bomb\w*|explosi\w*|IEDs?|mortars?|grenades?)\b/gi,
  'Violence against civilians': /\b(?:kill\w*|shot|gunmen|abduct\w*|kidnap\w*|executed|attack\w*)\b/gi,
  Protests: /\b(?:protest\w*|demonstrat\w*|rall\w*|march\w*|sit-in)\b/gi,
  Riots: /\b(?:riot\w*|mob|stormed|torched|clash\w*)\b/gi,
  'Strategic developments': /\b(?:arrest\w*|detain\w*|agreement|ceasefire|intercept\w*|shot down|looted|withdr\w*|took control)\b/gi,
};

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** [start, end, kind] of every highlighted span, earliest first, without overlaps. */
export function findSpans(quote, props) {
  const spans = [];
  const add = (regex, kind) => {
    for (const match of quote.matchAll(regex)) spans.push([match.index, match.index + match[0].length, kind]);
  };
  for (const name of [props.location_mention, props.location]) {
    if (name && name.trim()) add(new RegExp(escapeRegExp(name.trim()), 'gi'), 'place');
  }
  add(DATE_WORDS, 'date');
  if (TYPE_WORDS[props.event_type]) add(TYPE_WORDS[props.event_type], 'type');
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const kept = [];
  for (const span of spans) if (!kept.length || span[0] >= kept[kept.length - 1][1]) kept.push(span);
  return kept;
}

/** The quote as text nodes and <mark class="hl-place|hl-date|hl-type"> elements. */
export function highlighted(quote, props) {
  const block = document.createElement('blockquote');
  block.className = 'ws-quote';
  block.dir = 'auto';
  let at = 0;
  for (const [start, end, kind] of findSpans(quote, props)) {
    block.append(document.createTextNode(quote.slice(at, start)));
    const mark = document.createElement('mark');
    mark.className = `hl-${kind}`;
    mark.title = `decided the ${kind}`;
    mark.textContent = quote.slice(start, end);
    block.append(mark);
    at = end;
  }
  block.append(document.createTextNode(quote.slice(at)));
  return block;
}
