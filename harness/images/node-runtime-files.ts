import { realpath } from 'node:fs/promises';
import { execa } from 'execa';
import type { ImageFile } from './image-archive.ts';
import { ImageBuildError } from './image-build-error.ts';

/**
 * The shared libraries and the dynamic loader `ldd` lists for a binary, each at the path the loader looks for
 * it (the file itself stored there, not the symlink); the vDSO, which the kernel provides, is left out.
 */
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const mapped = /=>\s+(\/\S+)\s+\(0x/.exec(line);
    const direct = /^\s*(\/\S+)\s+\(0x/.exec(line);
    const path = mapped?.[1] ?? direct?.[1];
    if (path && !paths.includes(path)) paths.push(path);
    if (/=>\s+not found/.test(line))
      throw new TypeError(`ldd: ${line.trim()}: the binary cannot run here either`);
  }
  return paths.sort();
}

/**
 * A dynamically linked binary and what it needs to start in an empty root: itself at `imagePath`, and every
 * library and the loader at the paths ldd names. A static binary comes alone.
 */
export async function binaryWithLibraries(binary: string, imagePath: string): Promise<ImageFile[]> {
  const real = await realpath(binary);
  const res = await execa('ldd', [real], { reject: false, all: true });
  if (res.failed && (res as { code?: string }).code === 'ENOENT')
    throw new ImageBuildError(
      imagePath,
      `ldd ${real}`,
      String(res.message),
      'install ldd (Debian: apt-get install libc-bin) to list the shared libraries node needs',
    );
  const output = String(res.all ?? '');
  if (/not a dynamic executable|statically linked/.test(output))
    return [{ path: imagePath, hostPath: real, mode: 0o755 }];
  if (res.exitCode !== 0)
    throw new ImageBuildError(
      imagePath,
      `ldd ${real}`,
      output,
      `ldd could not read ${real}: is it a Linux binary?`,
    );
  let libs: string[];
  try {
    libs = parseLdd(output);
  } catch (err) {
    throw new ImageBuildError(
      imagePath,
      `ldd ${real}`,
      output,
      'install the missing library on this machine first',
      {
        cause: err,
      },
    );
  }
  return [
    { path: imagePath, hostPath: real, mode: 0o755 },
    ...libs.map((lib) => ({ path: lib, hostPath: lib, mode: 0o755 })),
  ];
}
