/** Text safe inside a Markdown table cell: pipes and backslashes escaped, newlines flattened to spaces. */
export function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
