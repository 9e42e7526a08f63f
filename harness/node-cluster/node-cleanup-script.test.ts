import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { renderNodeCleanupScript } from './node-cleanup-script.ts';

function footprint(dir: string, removeDir = true) {
  return {
    dir,
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    runcRoot: join(dir, 'containerd', 'state', 'runc'),
    taskDir: join(dir, 'containerd', 'state', 'io.containerd.runtime.v2.task', 'k8s.io'),
    bridge: 'ccnotthere0',
    podLogsDir: join(dir, 'pod-logs'),
    kubeletRootDir: join(dir, 'kubelet'),
    removeDir,
  };
}

const mounted = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => (l.split(' ')[4] ?? '').startsWith(dir));

describe('renderNodeCleanupScript', () => {
  it('is valid bash for a dir with spaces and quotes, and keeps the dir when told', async () => {
    const script = renderNodeCleanupScript(footprint("/tmp/it's a dir", false));
    expect((await execa('bash', ['-n'], { input: script, reject: false })).exitCode).toBe(0);
    expect(script).toContain(`DIR='/tmp/it'\\''s a dir'`);
    expect(script).not.toContain('rm -rf');
  });

  it.skipIf(process.getuid?.() !== 0)(
    'kills processes naming the dir but not the harness, unmounts nested mounts deepest first, removes the dir',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-cleanup-'));
      const inner = join(dir, 'kubelet', 'pods', 'x', 'volumes');
      await mkdir(inner, { recursive: true });
      await execa('mount', ['-t', 'tmpfs', 'tmpfs', join(dir, 'kubelet')]);
      await mkdir(inner, { recursive: true });
      await execa('mount', ['-t', 'tmpfs', 'tmpfs', inner]);
      // A process whose command line names the dir, as every node component's does.
      const victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', dir], { stdio: 'ignore' });
      const exited = new Promise((resolve) => victim.once('exit', resolve));
      const script = join(tmpdir(), `cosi-chaos-cleanup-${process.pid}.sh`);
      await writeFile(script, renderNodeCleanupScript(footprint(dir)));
      const res = await execa('bash', [script, String(process.pid)], { reject: false, all: true });
      await rm(script, { force: true });
      expect(res.exitCode, res.all).toBe(0);
      expect(await exited).toBeDefined();
      expect(mounted(dir)).toBe(false);
      expect(existsSync(dir)).toBe(false);
    },
  );
});
