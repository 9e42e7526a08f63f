import { fileURLToPath } from 'node:url';

/**
 * The witnesses' kube-apiserver audit policy (audit-policy.yaml beside this file): writes to COSI objects and
 * Leases at Metadata level, Event writes at Request level (their body names the object, reason and count).
 */
export const AUDIT_POLICY_FILE = fileURLToPath(new URL('./audit-policy.yaml', import.meta.url));
