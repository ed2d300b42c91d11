// The analysis pane under the map: its Trends / Table tabs and its Hide button.

/** Wire the tabs and the toggle of `section`; `onResize()` runs when the map's height changes. */
export function createAnalysis(section, onResize) {
  const tabs = [...section.querySelectorAll('[role=tab]')];
  const body = section.querySelector('.analysis-body');
  const toggle = section.querySelector('#analysis-toggle');
  // A panel in sight says so (`tab` event, detail its id): the table loads only then.
  const shown = (tab) => section.dispatchEvent(new CustomEvent('tab', { detail: tab.getAttribute('aria-controls') }));
  const select = (tab) => {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute('aria-selected', String(on));
      document.getElementById(other.getAttribute('aria-controls')).hidden = !on;
    }
    shown(tab);
  };
  for (const tab of tabs) tab.addEventListener('click', () => select(tab));
  toggle.addEventListener('click', () => {
    body.hidden = !body.hidden;
    toggle.setAttribute('aria-expanded', String(!body.hidden));
    toggle.textContent = body.hidden ? 'Show' : 'Hide';
    onResize();
    if (!body.hidden) shown(tabs.find((tab) => tab.getAttribute('aria-selected') === 'true'));
  });
}
