/** An RPC a variant's upstream code never makes, and where that code shows it (a path inside its module). */
export interface NeverCalled {
  rpc: 'create' | 'delete' | 'grant' | 'revoke';
  file: string;
  function: string;
  why: string;
}

/** The evidence line of a declared never-called RPC, as results and tables show it. */
export function neverCalledEvidence(n: NeverCalled): string {
  return `never called by its code: ${n.file} ${n.function}: ${n.why}`;
}
