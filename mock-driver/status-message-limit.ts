// Longest status message the driver sends. grpc-js puts it percent-encoded in the grpc-message trailer (and again in
// grpc-status-details-bin); messages echo client input such as a bucket id, and a 60,000-character id made a trailer
// block the client's HTTP/2 session would not take: that call and the next on the same connection went unanswered.
export const MAX_STATUS_MESSAGE_CHARS = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// The message as sent and journaled: cut (with a note of how much) when too long, and a lone surrogate (which
// grpc-js's encodeURI would throw on, leaving the call unanswered) replaced by U+FFFD.
export function sendableStatusMessage(message: string): string {
  const wellFormed = message.replace(LONE_SURROGATE, '\uFFFD');
  if (wellFormed.length <= MAX_STATUS_MESSAGE_CHARS) return wellFormed;
  let kept = wellFormed.slice(0, MAX_STATUS_MESSAGE_CHARS - 48);
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return `${kept}… (${wellFormed.length - kept.length} more characters cut)`;
}
