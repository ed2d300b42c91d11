// A map legend box in the bottom-right corner: an empty, labelled group that its layer fills.

const L = window.L;

/** A Leaflet control whose container is a `div.${className}` with role "group" and `label`. */
export function legendControl(className, label) {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    const box = L.DomUtil.create('div', className);
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', label);
    return box;
  };
  return control;
}
