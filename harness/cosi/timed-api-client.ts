import {
  type Configuration,
  createConfiguration,
  type KubeConfig,
  type Middleware,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
} from '@kubernetes/client-node';

/** Long enough for a list of hundreds of matrix objects on a loaded machine, short enough not to stall a run. */
export const API_REQUEST_TIMEOUT_MS = 30_000;

/**
 * An API client whose every request gives up after `timeoutMs` (client-node sets no timeout of its own: a
 * request the server never answers would hold its caller for ever, and a run's observation loop with it).
 */
export function timedApiClient<T>(
  kc: KubeConfig,
  Api: new (config: Configuration) => T,
  timeoutMs = API_REQUEST_TIMEOUT_MS,
): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster: set its current-context');
  const deadline: Middleware = {
    pre: async (ctx: RequestContext) => {
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
      return ctx;
    },
    post: async (res: ResponseContext) => res,
  };
  return new Api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [deadline],
    }),
  );
}
