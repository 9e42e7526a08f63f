// Pinned versions of every real component the harness runs, and how each is built from Go modules.
// Versions are facts checked against the Go module proxy reachable here (see README "Components").

/** How to build one binary from Go modules through a generated main module. */
export interface GoBuildRecipe {
  /** Binary name as envtest names it where it has one ("etcd", "kube-apiserver"). */
  name: string;
  version: string;
  /** Module required by the generated main module. */
  module: string;
  moduleVersion: string;
  /** Main package to build. */
  pkg: string;
  /** Extra require lines (module -> version). */
  requires?: Record<string, string>;
  /** replace lines: "old[@version]" -> "new version". */
  replaces?: Record<string, string>;
  /** When the staging modules of k8s.io/kubernetes must be pinned: the v0.x version to pin them to. */
  kubernetesStagingVersion?: string;
  /** -X linker flags (version stamps that release builds set from git). */
  ldflags?: string[];
  /** Human-readable origin, printed by `doctor` and recorded in results. */
  origin: string;
}

export const ETCD: GoBuildRecipe = {
  name: 'etcd',
  version: 'v3.5.35',
  module: 'go.etcd.io/etcd/server/v3',
  moduleVersion: 'v3.5.35',
  pkg: 'go.etcd.io/etcd/server/v3',
  origin: 'go.etcd.io/etcd/server/v3@v3.5.35',
};

export const KUBE_APISERVER: GoBuildRecipe = {
  name: 'kube-apiserver',
  version: 'v1.33.13',
  module: 'k8s.io/kubernetes',
  moduleVersion: 'v1.33.13',
  pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
  kubernetesStagingVersion: 'v0.33.13',
  // Without these the server reports v0.0.0-master+$Format:%H$, and clients that parse /version (the v0.1
  // sidecar does, with MustParseSemantic) panic.
  ldflags: [
    'k8s.io/component-base/version.gitVersion=v1.33.13',
    'k8s.io/component-base/version.gitMajor=1',
    'k8s.io/component-base/version.gitMinor=33',
    'k8s.io/component-base/version.gitTreeState=clean',
    'k8s.io/client-go/pkg/version.gitVersion=v1.33.13',
    'k8s.io/client-go/pkg/version.gitMajor=1',
    'k8s.io/client-go/pkg/version.gitMinor=33',
  ],
  origin: 'k8s.io/kubernetes/cmd/kube-apiserver@v1.33.13 (staging modules pinned to v0.33.13)',
};

const SIDECAR_MODULE = 'sigs.k8s.io/container-object-storage-interface-provisioner-sidecar';

/**
 * The v0.1.0 sidecar (tag v0.1.0, 2022-08-17). Its go.mod requires the spec module at a pseudo-version the
 * proxy refuses (403), so that one version is replaced with the spec's v0.1.0 release.
 */
export const SIDECAR_V0_1_0: GoBuildRecipe = {
  name: 'objectstorage-sidecar',
  version: 'v0.1.0',
  module: SIDECAR_MODULE,
  moduleVersion: 'v0.1.0',
  pkg: `${SIDECAR_MODULE}/cmd/objectstorage-sidecar`,
  replaces: {
    'sigs.k8s.io/container-object-storage-interface-spec@v0.0.0-20220811182913-3c421cfc2830':
      'sigs.k8s.io/container-object-storage-interface-spec v0.1.0',
  },
  origin: `${SIDECAR_MODULE}@v0.1.0`,
};

/** The exact COSI-86 sidecar (image v20241219-v0.1.0-60-g6a5a12c). The proxy here answers 403 for it. */
export const SIDECAR_COSI_86: GoBuildRecipe = {
  name: 'objectstorage-sidecar',
  version: 'v0.1.1-0.20241126223257-6a5a12cb56ed',
  module: SIDECAR_MODULE,
  moduleVersion: 'v0.1.1-0.20241126223257-6a5a12cb56ed',
  pkg: `${SIDECAR_MODULE}/cmd/objectstorage-sidecar`,
  origin: `${SIDECAR_MODULE}@6a5a12cb56ed`,
};

/** The v0.1 COSI controller. The proxy here answers 403 for every version of this module. */
export const CONTROLLER_V0_1_1: GoBuildRecipe = {
  name: 'cosi-controller-manager',
  version: 'v0.1.1',
  module: 'sigs.k8s.io/container-object-storage-interface-controller',
  moduleVersion: 'v0.1.1',
  pkg: 'sigs.k8s.io/container-object-storage-interface-controller/cmd/controller-manager',
  origin: 'sigs.k8s.io/container-object-storage-interface-controller@v0.1.1',
};

/**
 * v1alpha2 sidecar from the monorepo's main. Never released; the proxy here serves no version of main, so
 * this recipe fails with the go command's own message and the variant is reported unavailable.
 */
export const SIDECAR_V1ALPHA2_MAIN: GoBuildRecipe = {
  name: 'cosi-sidecar-v1alpha2',
  version: 'main',
  module: 'sigs.k8s.io/container-object-storage-interface',
  moduleVersion: 'main',
  pkg: 'sigs.k8s.io/container-object-storage-interface/sidecar/cmd',
  origin: 'sigs.k8s.io/container-object-storage-interface@main (sidecar/cmd)',
};

/** Module and folder the v0.1 CRDs come from: the API module version the v0.1.0 sidecar requires. */
export const V1ALPHA1_CRDS = {
  module: 'sigs.k8s.io/container-object-storage-interface-api',
  version: 'v0.0.0-20220806044417-5d7517114883',
  folder: 'crds',
};
