/** Escapes text for HTML/SVG element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string | number): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Coordinates with at most one decimal: smaller files, stable golden output, no '1e-7' in attributes. */
export function coord(value: number): string {
  return String(Math.round(value * 10) / 10);
}
