// Child of node-cluster.test.ts's SIGKILL test: starts a cluster in argv[2], runs the probe from the archive in
// argv[3], prints "READY" and waits to be killed (it never stops the cluster: the reaper must).
import { SingleNodeCluster } from '../../harness/node-cluster/index.ts';
import { runNodeProbe } from './node-probe-deployment.ts';

const [workDir, archive] = process.argv.slice(2) as [string, string];
const cluster = await SingleNodeCluster.start({ workDir, progress: (l) => console.log(l) });
await cluster.importImage(archive);
const pod = await runNodeProbe(cluster.adminKubeConfig(), 'sigkill-probe');
console.log(`READY ${pod.metadata?.name} bridge=${cluster.podBridge}`);
setInterval(() => {}, 60_000);
