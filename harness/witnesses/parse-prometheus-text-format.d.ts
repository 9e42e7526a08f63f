// Types for parse-prometheus-text-format (the package ships none): the parts this project reads.
declare module 'parse-prometheus-text-format' {
  export interface PrometheusSample {
    /** The sample value as text: "3", "NaN", "+Inf". */
    value?: string;
    labels?: Record<string, string>;
    timestamp_ms?: string;
    /** Histograms and summaries: bucket bound or quantile -> value. */
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: PrometheusSample[];
  }
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
