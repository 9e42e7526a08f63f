// The images a cluster lane deploys, as harness/images builds them (FROM scratch, docker-save archives, no registry).
import {
  type BuiltImage,
  buildControllerImage,
  buildMockDriverImage as buildDriverImage,
  buildSidecarImage,
  type ImageProgress,
  MOCK_DRIVER_REF,
  variantImageRefs,
} from '../images/index.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';

export { type BuiltImage, buildControllerImage, buildSidecarImage };

/** The mock driver image (this machine's node and the bundled driver FROM scratch), built once and cached. */
export function buildMockDriverImage(progress?: ImageProgress): Promise<BuiltImage> {
  return buildDriverImage(progress ? { progress } : {});
}

/** References of a variant's images as `cosi-chaos images` tags them, without building them. */
export function imageRefs(v: SidecarVariant): { sidecar: string; controller: string; driver: string } {
  return { ...variantImageRefs(v), driver: MOCK_DRIVER_REF };
}
