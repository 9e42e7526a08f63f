/** Why a scrape failed, with the URL: the endpoint is the sidecar's own, so a failure usually means it exited. */
export class MetricsScrapeError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `scraping ${url} failed${status === undefined ? '' : ` (HTTP ${status})`}: is the sidecar running with --metrics-bind-address on that port?`,
      options,
    );
    this.name = 'MetricsScrapeError';
  }
}

/**
 * One scrape of a Prometheus text endpoint (the v1alpha2 sidecar's plain-HTTP /metrics, see
 * harness/cosi/manager-flags.ts). Default timeout 5 s: the endpoint is on 127.0.0.1.
 */
export async function scrapeMetrics(url: string, timeoutMs = 5_000): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/plain' } });
  } catch (err) {
    throw new MetricsScrapeError(url, undefined, { cause: err });
  }
  if (!res.ok) throw new MetricsScrapeError(url, res.status);
  return res.text();
}
