// Object names of a driver + sidecar pair on a cluster: every name ends with the variant's suffix.

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Object-name suffix for a variant: `-` + the name lowercased with anything outside [a-z0-9-] turned into `-`. */
export function variantSuffix(variant: string): string {
  const s = variant
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!s || !DNS_LABEL.test(s))
    throw new Error(`variant ${JSON.stringify(variant)}: cannot be made a DNS label`);
  return `-${s}`;
}

/** Names of one variant's Deployment and driver admin Service. */
export function variantObjectNames(suffix: string): { deployment: string; adminService: string } {
  return { deployment: `cosi-chaos-driver${suffix}`, adminService: `cosi-chaos-driver-admin${suffix}` };
}
