// Small DOM builders: text goes in through textContent only, never as HTML.

/** An element with a class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
    node.dir = 'auto';
  }
  return node;
}

/** A button that calls `onClick`. */
export function button(text, onClick, className) {
  const node = el('button', className, text);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}
