// Public surface of the API-server fault proxy: a TLS reverse proxy in front of kube-apiserver that injects
// scripted faults (apiFaults rules) and journals every request. Other areas import only from here.
export type { ResolvedApiFault, TerminalApiFault } from './api-fault-action.ts';
export { ApiFaultActionResolver } from './api-fault-action.ts';
export { ApiFaultProxy, type ApiFaultProxyOptions } from './api-fault-proxy.ts';
export { ApiFaultSemanticError, compileApiFaults, selectApiFaultRule } from './api-fault-rules.ts';
export type {
  ApiFaultActionSpec,
  ApiFaultMatchSpec,
  ApiFaultRequest,
  ApiFaultRuleSpec,
  ApiFaultSet,
  ApiFaultsSpec,
  CompiledApiFaultRule,
} from './api-fault-types.ts';
export {
  API_FAULTS_SCHEMA,
  API_FAULTS_SCHEMA_ID,
  API_FAULTS_SCHEMA_PATH,
  type ApiFaultsSource,
  compileApiFaultsValue,
  loadApiFaultsFile,
  parseApiFaultsYaml,
  yamlLineOf,
} from './api-faults-loader.ts';
export { type ApiRequestInfo, apiRequestInfo } from './api-request-info.ts';
