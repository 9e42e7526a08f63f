// Container images built here from the pinned sources, FROM scratch, as docker-save archives: no Docker, no registry.

export {
  hostArchitecture,
  type ImageArchive,
  type ImageDirectory,
  type ImageFile,
  type ImageRuntimeConfig,
  type ImageSpec,
  imageConfig,
  writeImageArchive,
} from './image-archive.ts';
export { type LayerEntryInfo, type ReadImageArchive, readImageArchive } from './image-archive-reader.ts';
export { ImageBuildError } from './image-build-error.ts';
export {
  archiveStem,
  type BuiltImage,
  cachedImageArchive,
  type ImageProgress,
  imageCacheDir,
} from './image-cache.ts';
export {
  bundleMockDriver,
  MOCK_DRIVER_BUNDLE_PATH,
  MOCK_DRIVER_ENTRY,
  MOCK_DRIVER_RUNTIME_FILES,
} from './mock-driver-bundle.ts';
export {
  buildMockDriverImage,
  MOCK_DRIVER_APP_DIR,
  MOCK_DRIVER_CMD,
  MOCK_DRIVER_REF,
  MOCK_DRIVER_USER,
} from './mock-driver-image.ts';
export { binaryWithLibraries, parseLdd } from './node-runtime-files.ts';
export {
  buildPauseBinary,
  buildPauseImage,
  DEFAULT_PAUSE_REF,
  GCC_HINT,
  PAUSE_SOURCE,
  type PauseBinary,
} from './pause-image.ts';
export {
  buildControllerImage,
  buildSidecarImage,
  buildVariantImages,
  IMAGE_HOST,
  imageTag,
  variantImageRefs,
} from './variant-images.ts';
