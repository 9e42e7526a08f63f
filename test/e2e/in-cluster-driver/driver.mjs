#!/usr/bin/env node
// A COSI driver of the tests' own that needs what most real drivers need: in-cluster config. It finds the API server
// and its credentials as a pod does (client-node's loadFromCluster: KUBERNETES_SERVICE_HOST/PORT and the files under
// /var/run/secrets/kubernetes.io/serviceaccount), and answers DriverCreateBucket OK only after reading the Secret its
// BucketClass names (parameter `secretName`, in POD_NAMESPACE). Like a third-party driver measured with cosi-chaos, it
// refuses any parameter it does not know: the harness's bookkeeping parameters must not reach it.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

const proto = fileURLToPath(new URL('../../../proto/cosi.v1alpha1.proto', import.meta.url));
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(proto, { keepCase: true, defaults: true })).cosi
  .v1alpha1;
const endpoint = process.env.COSI_ENDPOINT ?? '';
const kc = new KubeConfig();
kc.loadFromCluster();
const core = kc.makeApiClient(CoreV1Api);
const namespace = process.env.POD_NAMESPACE ?? '';

const fail = (cb, code, details) => cb({ code, details });
const server = new grpc.Server();
server.addService(pkg.Identity.service, {
  DriverGetInfo: (_call, cb) => cb(null, { name: 'in-cluster.test.cosi-chaos.io' }),
});
server.addService(pkg.Provisioner.service, {
  async DriverCreateBucket(call, cb) {
    const params = call.request.parameters ?? {};
    const unknown = Object.keys(params).filter((k) => k !== 'secretName');
    if (unknown.length)
      return fail(cb, grpc.status.INVALID_ARGUMENT, `unsupported parameters: ${unknown.join(', ')}`);
    if (!params.secretName) return fail(cb, grpc.status.INVALID_ARGUMENT, 'parameter secretName is required');
    try {
      const secret = await core.readNamespacedSecret({ name: params.secretName, namespace });
      const region = Buffer.from(secret.data?.region ?? '', 'base64').toString();
      console.log(
        `create ${call.request.name}: read secret ${namespace}/${params.secretName} (region ${region})`,
      );
      cb(null, { bucket_id: `${region}/${call.request.name}`, bucket_info: { s3: { region } } });
    } catch (error) {
      fail(
        cb,
        grpc.status.PERMISSION_DENIED,
        `reading secret ${namespace}/${params.secretName}: ${error.message}`,
      );
    }
  },
  DriverDeleteBucket: (_call, cb) => cb(null, {}),
  DriverGrantBucketAccess: (_call, cb) => fail(cb, grpc.status.UNIMPLEMENTED, 'no access here'),
  DriverRevokeBucketAccess: (_call, cb) => cb(null, {}),
});
server.bindAsync(endpoint, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error) {
    console.error(`cannot listen on ${endpoint}: ${error.message}`);
    process.exit(1);
  }
  console.log(`listening on ${endpoint} as ${namespace}`);
});
