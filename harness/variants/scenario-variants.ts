import { builtinMatrixVariants } from '../matrix/matrix-variants.ts';
import { BUILTIN_VARIANTS, type SidecarVariant } from './sidecar-variants.ts';

// The matrix's patched builds of the COSI-86 sidecar a scenario may also name: the fix under test beside the
// releases (scenarios/real-driver/ puts the correct fix in front of a real driver).
const PATCHED = new Set(['seed-patch', 'correct-fix']);

/**
 * Every variant a scenario can list: the upstream builds, then the patched COSI-86 sidecars (built from the
 * patch on first use, cached by its hash). A run starts only those its scenarios list.
 */
export const SCENARIO_VARIANTS: SidecarVariant[] = [
  ...BUILTIN_VARIANTS,
  ...builtinMatrixVariants().filter((v) => PATCHED.has(v.name)),
];
