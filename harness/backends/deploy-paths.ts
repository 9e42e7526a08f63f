import { fileURLToPath } from 'node:url';

/** Repository root: the docker build context of deploy/mock-driver/Dockerfile. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The kustomize tree (deploy/README.md). */
export const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));

/** Image tag the backends build and load; deploy/base names it. */
export const MOCK_DRIVER_IMAGE = 'cosi-chaos/mock-driver:dev';

/** Image name in deploy/base for the mock driver. */
export const MOCK_DRIVER_IMAGE_NAME = 'cosi-chaos/mock-driver';

/** The Dockerfile, relative to REPO_ROOT (the form the build command is written in). */
export const MOCK_DRIVER_DOCKERFILE = 'deploy/mock-driver/Dockerfile';

/** Image name in deploy/base that `images:` entries replace to choose the sidecar under test. */
export const SIDECAR_IMAGE_NAME = 'gcr.io/k8s-staging-sig-storage/objectstorage-sidecar';

/** Image name in deploy/controller for the controller. */
export const CONTROLLER_IMAGE_NAME = 'gcr.io/k8s-staging-sig-storage/objectstorage-controller';

/** The sidecar deploy/base runs when a variant names no image: COSI-86's build (provisioner-sidecar 6a5a12cb56ed). */
export const DEFAULT_SIDECAR_IMAGE = `${SIDECAR_IMAGE_NAME}:v20241219-v0.1.0-60-g6a5a12c`;
