import type { ComponentVersion } from '../harness/results/run-results.ts';

/** What an upstream report needs to know about one component: its Go module and the commit it was built from. */
export interface ComponentProvenance {
  name: string;
  version: string;
  /** Go module path (with the package inside it when the build names one), when the source says it was built from one. */
  module?: string;
  /** Commit id: from a Go pseudo-version (v0.1.1-0.20241126223257-6a5a12cb56ed -> 6a5a12cb56ed) or `module@<sha>`. */
  commit?: string;
  /** A released tag when the version is one (v0.1.0), so the reader knows why there is no commit id. */
  tag?: string;
  source: string;
}

// Go pseudo-versions end in -<14-digit UTC time>-<12-hex commit> (vX.0.0-, vX.Y.Z-pre.0., vX.Y.(Z+1)-0. forms).
const PSEUDO_VERSION = /v\d+\.\d+\.\d+-(?:[\w.]+\.)?(?:0\.)?\d{14}-([0-9a-f]{12})\b/;
const MODULE_AT = /(?:built from |^)([\w.-]+\.[a-z]{2,}\/[\w./-]+)@(\S+)(?:\s+(?!\()([\w./-]+))?/;
const COMMIT_AT = /^[0-9a-f]{12,40}$/;
const TAG = /^v\d+\.\d+\.\d+(?:-[\w.]+)?$/;

/**
 * Module, commit and tag of a component as recorded by the harness: the version string first (a pseudo-version
 * carries the commit), then the source ('built from MODULE@VERSION [package] (pseudo-version)').
 */
export function componentProvenance(c: ComponentVersion): ComponentProvenance {
  const out: ComponentProvenance = { name: c.name, version: c.version, source: c.source };
  const at = MODULE_AT.exec(c.source);
  if (at) {
    const [, module, ref, pkg] = at;
    out.module = pkg ? `${module} (${pkg})` : module;
    if (ref && COMMIT_AT.test(ref)) out.commit = ref.slice(0, 12);
  }
  const pseudo = PSEUDO_VERSION.exec(c.version) ?? PSEUDO_VERSION.exec(c.source);
  if (pseudo?.[1]) out.commit = pseudo[1];
  if (!PSEUDO_VERSION.test(c.version) && TAG.test(c.version)) out.tag = c.version;
  return out;
}
