import { describe, expect, it } from 'vitest';
import { binaryWithLibraries, parseLdd } from './node-runtime-files.ts';

describe('parseLdd', () => {
  it('lists each library at the path the loader resolves, and the loader; not the vDSO', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f37)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f36)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f38)',
    ].join('\n');
    expect(parseLdd(out)).toEqual([
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('refuses a library the host lacks: the binary could not start here either', () => {
    expect(() => parseLdd('\tlibfoo.so.1 => not found\n')).toThrow('libfoo.so.1 => not found');
  });
});

describe('binaryWithLibraries', () => {
  it("this machine's node: itself at the image path and every library ldd names", async () => {
    const files = await binaryWithLibraries(process.execPath, '/usr/bin/node');
    expect(files[0]).toMatchObject({ path: '/usr/bin/node', mode: 0o755 });
    expect(files.some((f) => /libc\.so\.6$/.test(f.path)) || files.length === 1).toBe(true);
  });
});
