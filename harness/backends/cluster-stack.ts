import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StackVariant } from './cluster-backend.ts';
import { CommandError, type CommandRunner, type StartedCommand } from './command-runner.ts';
import { type KubectlTarget, kubectlArgs } from './kubectl-target.ts';
import { variantObjectNames } from './stack-names.ts';

/** A deployed variant: its name and the names of its objects in the cluster. */
export interface DeployedVariant {
  variant: StackVariant;
  deployment: string;
  adminService: string;
}

const ADMIN_PORT = 8080;
// kubectl logs deployment/X waits 20 s for a running pod by default; a failed rollout may have none.
const POD_WAIT = '--pod-running-timeout=5s';
const FORWARDING = /^Forwarding from 127\.0\.0\.1:(\d+) -> \d+/;

/** A Deployment did not finish rolling out in time: names it, keeps kubectl's error as the cause and the fields. */
export class RolloutError extends CommandError {
  override readonly name: string = 'RolloutError';
  constructor(
    readonly deployment: string,
    readonly namespace: string,
    readonly timeoutSeconds: number,
    cause: CommandError,
  ) {
    super(cause.command, cause.args, cause.exitCode, cause.signal, cause.timedOut, cause.stderrTail, {
      cause,
    });
    this.message =
      `deployment/${deployment} in namespace ${namespace} did not roll out within ${timeoutSeconds}s ` +
      `(see its pods: kubectl describe pods --namespace ${namespace}; image pulls and a missing kubelet are the ` +
      `usual causes)\n${cause.message}`;
  }
}

/**
 * What kind, existing-cluster and k3s backends share once manifests are in: rollout waits, port-forwards to
 * each variant's driver admin API (started on first use, stopped by `stop()`), and log collection.
 */
export class ClusterStack {
  private readonly forwards = new Map<string, Promise<{ url: string; command: StartedCommand }>>();
  readonly variants: DeployedVariant[];

  constructor(
    private readonly runner: CommandRunner,
    readonly target: KubectlTarget,
    readonly namespace: string,
    variants: { variant: StackVariant; suffix: string }[],
    readonly controllerDeployment: string | undefined,
  ) {
    this.variants = variants.map(({ variant, suffix }) => ({ variant, ...variantObjectNames(suffix) }));
  }

  private kubectl(...args: string[]): string[] {
    return kubectlArgs(this.target, ...args);
  }

  /** `kubectl rollout status` for every variant's Deployment, then the controller's. */
  async waitForRollout(timeoutSeconds: number): Promise<void> {
    const deployments = [
      ...this.variants.map((v) => v.deployment),
      ...(this.controllerDeployment ? [this.controllerDeployment] : []),
    ];
    for (const name of deployments) {
      await this.runner
        .run(
          'kubectl',
          this.kubectl(
            'rollout',
            'status',
            `deployment/${name}`,
            '--namespace',
            this.namespace,
            `--timeout=${timeoutSeconds}s`,
          ),
          { timeoutMs: (timeoutSeconds + 30) * 1000 },
        )
        .catch((err: unknown) => {
          throw err instanceof CommandError
            ? new RolloutError(name, this.namespace, timeoutSeconds, err)
            : err;
        });
    }
  }

  private deployed(variant: string): DeployedVariant {
    const found = this.variants.find((v) => v.variant.name === variant);
    if (!found) {
      throw new Error(
        `variant ${JSON.stringify(variant)} is not deployed here (deployed: ${this.variants.map((v) => v.variant.name).join(', ')})`,
      );
    }
    return found;
  }

  /** http://127.0.0.1:PORT of a `kubectl port-forward` to the variant's admin Service (one per variant). */
  async driverAdminUrl(variant: string): Promise<string> {
    const { adminService } = this.deployed(variant);
    let forward = this.forwards.get(variant);
    if (!forward) {
      forward = (async () => {
        const command = this.runner.start(
          'kubectl',
          this.kubectl(
            'port-forward',
            '--namespace',
            this.namespace,
            '--address',
            '127.0.0.1',
            `service/${adminService}`,
            `:${ADMIN_PORT}`,
          ),
        );
        try {
          const m = await command.waitForLine(FORWARDING, 30_000);
          return { url: `http://127.0.0.1:${m[1]}`, command };
        } catch (err) {
          await command.stop();
          throw err;
        }
      })();
      this.forwards.set(variant, forward);
      forward.catch(() => this.forwards.delete(variant));
    }
    return (await forward).url;
  }

  /**
   * `kubectl logs` of each variant's sidecar and driver containers and of the controller into `dir`, one file each.
   * A container that cannot be read gets a file with kubectl's error instead: collecting never throws.
   */
  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const wanted: { file: string; args: string[] }[] = [];
    for (const v of this.variants) {
      const prefix = v.deployment.replace(/^cosi-chaos-driver-?/, '') || 'driver';
      for (const container of ['objectstorage-sidecar', 'mock-driver']) {
        wanted.push({
          file: `${prefix}.${container}.log`,
          args: this.kubectl(
            'logs',
            '--namespace',
            this.namespace,
            `deployment/${v.deployment}`,
            '--container',
            container,
            '--timestamps',
            POD_WAIT,
          ),
        });
      }
    }
    if (this.controllerDeployment) {
      wanted.push({
        file: 'controller.log',
        args: this.kubectl(
          'logs',
          '--namespace',
          this.namespace,
          `deployment/${this.controllerDeployment}`,
          '--timestamps',
          POD_WAIT,
        ),
      });
    }
    const files: string[] = [];
    for (const w of wanted) {
      const file = join(dir, w.file);
      try {
        const res = await this.runner.run('kubectl', w.args, { allowFailure: true, timeoutMs: 60_000 });
        await writeFile(
          file,
          res.exitCode === 0
            ? res.stdout
            : `kubectl ${w.args.join(' ')} exited ${res.exitCode}\n${res.stderr}`,
        );
      } catch (err) {
        await writeFile(
          file,
          `kubectl ${w.args.join(' ')} failed: ${err instanceof Error ? err.message : String(err)}\n`,
        );
      }
      files.push(file);
    }
    return files;
  }

  /** Stops every port-forward; idempotent. */
  async stopPortForwards(): Promise<void> {
    const all = [...this.forwards.values()];
    this.forwards.clear();
    await Promise.all(all.map((f) => f.then((x) => x.command.stop()).catch(() => undefined)));
  }
}
