// Pinned versions of every real component the harness runs, and how each is built from Go modules.
// Versions are facts checked against the Go module proxy reachable here (docs/setup.md, "Components and where they come from").

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
  /** Controllers: the upstream RBAC manifest, as a path inside `module` (installed as upstream ships it). */
  rbacFile?: string;
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

/** The exact COSI-86 sidecar (image v20241219-v0.1.0-60-g6a5a12c). Its go.mod needs no replace lines. */
export const SIDECAR_COSI_86: GoBuildRecipe = {
  name: 'objectstorage-sidecar',
  version: 'v0.1.1-0.20241126223257-6a5a12cb56ed',
  module: SIDECAR_MODULE,
  moduleVersion: 'v0.1.1-0.20241126223257-6a5a12cb56ed',
  pkg: `${SIDECAR_MODULE}/cmd/objectstorage-sidecar`,
  origin: `${SIDECAR_MODULE}@6a5a12cb56ed`,
};

const CONTROLLER_MODULE = 'sigs.k8s.io/container-object-storage-interface-controller';

/** The v0.1 COSI controller as of the COSI-86 sidecar build (commit 2c87d5a5e688, the same day). */
export const CONTROLLER_COSI_86: GoBuildRecipe = {
  name: 'cosi-controller-manager',
  version: 'v0.1.2-alpha1.0.20241126223257-2c87d5a5e688',
  module: CONTROLLER_MODULE,
  moduleVersion: 'v0.1.2-alpha1.0.20241126223257-2c87d5a5e688',
  pkg: `${CONTROLLER_MODULE}/cmd/controller-manager`,
  origin: `${CONTROLLER_MODULE}@2c87d5a5e688`,
  rbacFile: 'resources/rbac.yaml',
};

/** The v0.1.0 COSI controller release, the v0.1.0 sidecar's contemporary. */
export const CONTROLLER_V0_1_0: GoBuildRecipe = {
  name: 'cosi-controller-manager',
  version: 'v0.1.0',
  module: CONTROLLER_MODULE,
  moduleVersion: 'v0.1.0',
  pkg: `${CONTROLLER_MODULE}/cmd/controller-manager`,
  origin: `${CONTROLLER_MODULE}@v0.1.0`,
  rbacFile: 'resources/rbac.yaml',
};

const MONOREPO = 'sigs.k8s.io/container-object-storage-interface';

/** Pseudo-versions of one monorepo tag whose parts were separate submodules (v0.2.0, v0.2.1: no root go.mod). */
function splitMonorepo(tag: string, pseudo: string, controllerPseudo: string): UpstreamBuild {
  // Each part's go.mod points its siblings at ../client etc., which a dependency's replace lines cannot do: the
  // generated main module pins every sibling to the same tag's pseudo-version instead.
  const replaces = {
    [`${MONOREPO}/client`]: `${MONOREPO}/client ${pseudo}`,
    [`${MONOREPO}/internal`]: `${MONOREPO}/internal ${pseudo}`,
    [`${MONOREPO}/proto`]: `${MONOREPO}/proto ${pseudo}`,
  };
  return {
    sidecar: {
      name: 'cosi-sidecar',
      version: tag,
      module: `${MONOREPO}/sidecar`,
      moduleVersion: pseudo,
      pkg: `${MONOREPO}/sidecar/cmd`,
      replaces,
      origin: `${MONOREPO}/sidecar@${tag} (${pseudo})`,
    },
    controller: {
      name: 'cosi-controller',
      version: tag,
      module: `${MONOREPO}/controller`,
      moduleVersion: controllerPseudo,
      pkg: `${MONOREPO}/controller/cmd`,
      replaces,
      origin: `${MONOREPO}/controller@${tag} (${controllerPseudo})`,
      rbacFile: 'resources/rbac.yaml',
    },
    crds: { module: `${MONOREPO}/client`, version: pseudo, folder: 'config/crd' },
  };
}

/** A monorepo version with a root go.mod: `sidecar/cmd` and `controller/cmd` of the root module. */
function rootMonorepo(
  tag: string,
  version: string,
  parts: { client: string; proto: string; internal?: string },
): UpstreamBuild {
  // The root go.mod replaces its submodules with ./client etc., which are not in the root module's zip.
  const replaces: Record<string, string> = {
    [`${MONOREPO}/client`]: `${MONOREPO}/client ${parts.client}`,
    [`${MONOREPO}/proto`]: `${MONOREPO}/proto ${parts.proto}`,
  };
  if (parts.internal) replaces[`${MONOREPO}/internal`] = `${MONOREPO}/internal ${parts.internal}`;
  const recipe = (name: string, dir: string): GoBuildRecipe => ({
    name,
    version: tag,
    module: MONOREPO,
    moduleVersion: version,
    pkg: `${MONOREPO}/${dir}/cmd`,
    replaces,
    origin: `${MONOREPO}@${tag === version ? tag : `${tag} (${version})`} ${dir}/cmd`,
  });
  return {
    sidecar: recipe('cosi-sidecar', 'sidecar'),
    controller: { ...recipe('cosi-controller', 'controller'), rbacFile: 'controller/resources/rbac.yaml' },
    crds: { module: `${MONOREPO}/client`, version: parts.client, folder: 'config/crd' },
  };
}

/** Where an era's CRDs come from: a folder of a module version, read from the Go module cache. */
export interface CrdSource {
  module: string;
  version: string;
  folder: string;
}

/** One upstream release: the sidecar, the controller of the same era and release, and their CRDs. */
export interface UpstreamBuild {
  sidecar: GoBuildRecipe;
  controller: GoBuildRecipe;
  crds: CrdSource;
}

/** The v0.1 CRDs of the api module at the version the v0.1.0 sidecar requires (2022-08-06). */
export const V1ALPHA1_CRDS: CrdSource = {
  module: 'sigs.k8s.io/container-object-storage-interface-api',
  version: 'v0.0.0-20220806044417-5d7517114883',
  folder: 'crds',
};

export const BUILD_COSI_86: UpstreamBuild = {
  sidecar: SIDECAR_COSI_86,
  controller: CONTROLLER_COSI_86,
  // The api version the COSI-86 sidecar's go.mod requires.
  crds: {
    module: 'sigs.k8s.io/container-object-storage-interface-api',
    version: 'v0.1.1-0.20240208184109-05444273ee49',
    folder: 'crds',
  },
};

export const BUILD_V0_1_0: UpstreamBuild = {
  sidecar: SIDECAR_V0_1_0,
  controller: CONTROLLER_V0_1_0,
  crds: V1ALPHA1_CRDS,
};

export const BUILD_V0_2_0 = splitMonorepo(
  'v0.2.0',
  'v0.0.0-20250128155323-7b24025e1998',
  'v0.2.0-rc1.0.20250128155323-7b24025e1998',
);

export const BUILD_V0_2_1 = splitMonorepo(
  'v0.2.1',
  'v0.0.0-20250211224158-f1f392110e45',
  'v0.2.0-rc1.0.20250211224158-f1f392110e45',
);

export const BUILD_V0_2_2 = rootMonorepo('v0.2.2', 'v0.2.2', {
  client: 'v0.2.2',
  proto: 'v0.2.2',
  // internal/ was never tagged: the pseudo-version of the v0.2.2 commit.
  internal: 'v0.0.0-20251203152421-f75d47509dae',
});

/** The monorepo's main at ee00c2690b87 (2026-03-05): the v1alpha2 sidecar and controller, never released. */
export const BUILD_V1ALPHA2_MAIN = rootMonorepo(
  'v0.0.0-20260305170820-ee00c2690b87',
  'v0.0.0-20260305170820-ee00c2690b87',
  { client: 'v0.0.0-20260305170820-ee00c2690b87', proto: 'v0.0.0-20260305170820-ee00c2690b87' },
);

/** A k8s.io/kubernetes command at KUBE_APISERVER's version, stamped with the same version ldflags. */
function kubernetesCommand(name: string): GoBuildRecipe {
  return {
    ...KUBE_APISERVER,
    name,
    pkg: `k8s.io/kubernetes/cmd/${name}`,
    origin: `k8s.io/kubernetes/cmd/${name}@${KUBE_APISERVER.version} (staging modules pinned to ${KUBE_APISERVER.kubernetesStagingVersion})`,
  };
}

/** The node agent of the single-node cluster (harness/node-cluster), same release as kube-apiserver. */
export const KUBELET: GoBuildRecipe = kubernetesCommand('kubelet');

/** Runs the default controllers (deployments, replicasets, namespace, garbage collector, serviceaccount ...). */
export const KUBE_CONTROLLER_MANAGER: GoBuildRecipe = kubernetesCommand('kube-controller-manager');

/** Binds pods to the single node. */
export const KUBE_SCHEDULER: GoBuildRecipe = kubernetesCommand('kube-scheduler');

/** iptables-mode Service proxy: makes the ClusterIP 10.0.0.1:443 reach the API server from pods. */
export const KUBE_PROXY: GoBuildRecipe = kubernetesCommand('kube-proxy');

/**
 * The upstream sample COSI driver (v1alpha1 spec, master of 2025-12-04; the module has no tags). With
 * `mode: "s3:impl"` in its config file it provisions buckets on any S3 server.
 */
export const SAMPLE_COSI_DRIVER: GoBuildRecipe = {
  name: 'sample-cosi-driver',
  version: 'v0.0.0-20251204184456-da878842e4c3',
  module: 'sigs.k8s.io/cosi-driver-sample',
  moduleVersion: 'v0.0.0-20251204184456-da878842e4c3',
  pkg: 'sigs.k8s.io/cosi-driver-sample/cmd/sample-cosi-driver',
  origin: 'sigs.k8s.io/cosi-driver-sample@da878842e4c3',
};

/** A real S3 server for the sample driver: versitygw with its posix backend (a bucket is a directory). */
export const VERSITYGW: GoBuildRecipe = {
  name: 'versitygw',
  version: 'v1.8.0',
  module: 'github.com/versity/versitygw',
  moduleVersion: 'v1.8.0',
  pkg: 'github.com/versity/versitygw/cmd/versitygw',
  origin: 'github.com/versity/versitygw@v1.8.0',
};

/**
 * kyverno/chainsaw, the declarative Kubernetes test runner upstream COSI writes its end-to-end test in
 * (`test/e2e/chainsaw-test.yaml`); run against `cosi-chaos up` as proof by a tool nobody here wrote.
 */
export const CHAINSAW: GoBuildRecipe = {
  name: 'chainsaw',
  version: 'v0.2.12',
  module: 'github.com/kyverno/chainsaw',
  moduleVersion: 'v0.2.12',
  pkg: 'github.com/kyverno/chainsaw',
  origin: 'github.com/kyverno/chainsaw@v0.2.12',
};

/** One pinned commit of the Scality COSI driver (github.com/scality/cosi-driver): its tags have no `v`. */
export interface ScalityRevision {
  /** The commit's first 7 characters, as a user writes it after `scality@`. */
  commit: string;
  /** Other names a user would guess for this commit. */
  aliases: string[];
  /** What this commit is, for progress lines and results. */
  describe: string;
  recipe: GoBuildRecipe;
}

function scalityRecipe(version: string): GoBuildRecipe {
  const module = 'github.com/scality/cosi-driver';
  return {
    name: 'scality-cosi-driver',
    version,
    module,
    moduleVersion: version,
    pkg: `${module}/cmd/scality-cosi-driver`,
    origin: `${module}@${version.slice(-12)}`,
    // The driver's own RBAC, as its kustomize base installs it (ClusterRole + binding of its ServiceAccount).
    rbacFile: 'kustomize/base/rbac.yaml',
  };
}

/**
 * The driver of COSI-86 (v1alpha1 only), before and after PR #188, which maps S3/IAM errors to gRPC codes
 * (InvalidBucketName -> InvalidArgument, BucketNotEmpty -> FailedPrecondition ...). Newest first: `scality` alone
 * means the newest.
 */
export const SCALITY_REVISIONS: ScalityRevision[] = [
  {
    commit: '9bf1529',
    aliases: ['newest', 'latest', 'main', 'after-188', 'fixed'],
    describe: 'newest, 2026-04-20, after PR #188',
    recipe: scalityRecipe('v0.0.0-20260420150512-9bf152924e92'),
  },
  {
    commit: '9a49a25',
    aliases: ['before-188', 'pre-188', 'unfixed'],
    describe: 'just before PR #188, 2025-06-16',
    recipe: scalityRecipe('v0.0.0-20250616185939-9a49a252f98b'),
  },
];

/**
 * rhysd/actionlint, the GitHub Actions workflow linter: checks the composite action at the repository root
 * (action.yml) through the workflows that use it, and the workflow `cosi-chaos init` writes into a driver's repo.
 */
export const ACTIONLINT: GoBuildRecipe = {
  name: 'actionlint',
  version: 'v1.7.12',
  module: 'github.com/rhysd/actionlint',
  moduleVersion: 'v1.7.12',
  pkg: 'github.com/rhysd/actionlint/cmd/actionlint',
  origin: 'github.com/rhysd/actionlint@v1.7.12',
};
